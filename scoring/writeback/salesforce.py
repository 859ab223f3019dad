"""Salesforce: update Lead records with an sObject Collections ``PATCH``.

``PATCH /services/data/v60.0/composite/sobjects`` with ``allOrNone: false`` and up to 200
records of ``{"attributes": {"type": "Lead"}, "id", <custom fields>}``; the custom fields
(``Leadstream_Score__c``, ``Leadstream_Grade__c``, ``Leadstream_Trend__c``,
``Leadstream_Reasons__c``, ``Leadstream_Scored_At__c``,
``Leadstream_Model_Version__c``) must exist on Lead. The answer is one result per record, in
order: ``success: false`` with ``errors`` rejects that lead; the others were saved.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from scoring.writeback.score import CrmAnswer, CrmRequest, WritebackScore, iso

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
    try:
        results = json.loads(body) if body.strip() else []
    except ValueError:
        return CrmAnswer()
    if not isinstance(results, list):
        return CrmAnswer()
    rejected = {}
    for s, result in zip(scores, results, strict=False):
        if isinstance(result, dict) and result.get("success") is False:
            errors = result.get("errors") or [{}]
            first = errors[0] if isinstance(errors[0], dict) else {}
            rejected[s.lead_id] = (f"{first.get('statusCode', 'ERROR')}: "
                                   f"{first.get('message', '')}")[:500]
    return CrmAnswer(rejected)
