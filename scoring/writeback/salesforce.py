"""Salesforce: update Lead records with an sObject Collections ``PATCH``.

``PATCH /services/data/v60.0/composite/sobjects`` with ``allOrNone: false`` and up to 200
records of ``{"attributes": {"type": "Lead"}, "id", <custom fields>}``; the custom fields
(``Leadstream_Score__c``, ``Leadstream_Grade__c``, ``Leadstream_Trend__c``,
``Leadstream_Reasons__c``, ``Leadstream_Scored_At__c``,
``Leadstream_Model_Version__c``) must exist on Lead. The answer is one result per record, in
order: ``success: false`` with ``errors`` rejects that lead; the others were saved (a
record without a readable result is in doubt: dead-lettered as unreadable).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from scoring.writeback.score import CrmAnswer, CrmRequest, WritebackScore, iso, json_answer, words

PATH = "/services/data/v60.0/composite/sobjects"
MAX_RECORDS = 200


def request(scores: Sequence[WritebackScore]) -> CrmRequest:
    records = [
        {"attributes": {"type": "Lead"}, "id": s.lead_id,
         "Leadstream_Score__c": s.score_100, "Leadstream_Grade__c": s.grade,
         "Leadstream_Trend__c": s.trend, "Leadstream_Reasons__c": s.reasons_text,
         "Leadstream_Scored_At__c": iso(s.scored_at),
         "Leadstream_Model_Version__c": s.model_version}
        for s in scores]
    return CrmRequest("PATCH", PATH, json.dumps({"allOrNone": False, "records": records}).encode())


def answer(scores: Sequence[WritebackScore], body: bytes) -> CrmAnswer:
    """One result per record, in order: ``success: false`` rejects the lead (with its first
    error, however ``errors`` is shaped); a record without a result, or whose result has
    no ``success`` true or false, is in doubt (unreadable), as is every record when the
    answer is not a list."""
    results = json_answer(body)
    if not isinstance(results, list):
        return CrmAnswer.all_unreadable(scores, "not a list of results")
    rejected: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    for i, s in enumerate(scores):
        result = results[i] if i < len(results) else None
        success = result.get("success") if isinstance(result, dict) else None
        if i >= len(results):
            unreadable[s.lead_id] = "no result for this record"
        elif not isinstance(success, bool):
            unreadable[s.lead_id] = "a result without 'success' true or false"
        elif not success:
            rejected[s.lead_id] = _first_error(result.get("errors"))  # type: ignore[union-attr]
    return CrmAnswer(rejected, unreadable)


def _first_error(errors: object) -> str:
    """``"<statusCode>: <message>"`` of the first error: ``errors`` is a list of objects by
    the API, but an object, a string or nothing are read too."""
    first = (errors[0] if errors else None) if isinstance(errors, list) else errors
    if isinstance(first, dict):
        code, message = first.get("statusCode"), first.get("message")
    else:
        code, message = None, first
    return f"{words(code, 'ERROR')}: {words(message, '')}"[:500]
