"""HubSpot: contact properties through the batch update endpoint.

``POST /crm/v3/objects/contacts/batch/update`` with ``inputs`` of ``{"id", "properties"}``;
the properties (``leadstream_score``, ``leadstream_grade``, ``leadstream_trend``,
``leadstream_reasons``, ``leadstream_scored_at``, ``leadstream_model_version``) must exist
on the contact object. A ``207`` lists per-record errors with the ids they concern; those
leads are rejected, the rest were updated (an answer that cannot be read leaves the leads
it does not name in doubt: dead-lettered as unreadable).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from scoring.writeback.score import (
    CrmAnswer,
    CrmRequest,
    WritebackScore,
    iso,
    json_answer,
    lead_id_of,
    words,
)

PATH = "/crm/v3/objects/contacts/batch/update"


def request(scores: Sequence[WritebackScore]) -> CrmRequest:
    inputs = [
        {"id": s.lead_id, "properties": {
            "leadstream_score": str(s.score_100), "leadstream_grade": s.grade,
            "leadstream_trend": s.trend or "", "leadstream_reasons": s.reasons_text,
            "leadstream_scored_at": iso(s.scored_at),
            "leadstream_model_version": s.model_version}}
        for s in scores]
    return CrmRequest("POST", PATH, json.dumps({"inputs": inputs}).encode())


def answer(scores: Sequence[WritebackScore], body: bytes) -> CrmAnswer:
    """The leads named by ``errors[].context.ids`` are rejected; the others were updated.
    An answer that is not a JSON object, ``errors`` that is not a list, or an error whose
    ids cannot be read: the leads it does not name are in doubt (unreadable)."""
    doc = json_answer(body)
    if not isinstance(doc, dict):
        return CrmAnswer.all_unreadable(scores, "not a JSON object")
    errors = doc.get("errors")
    if errors is None:
        return CrmAnswer()
    if not isinstance(errors, list):
        return CrmAnswer.all_unreadable(scores, "'errors' is not a list")
    return CrmAnswer.of_rejections(
        scores, ((_ids(error), words(error.get("message") if isinstance(error, dict) else None))
                 for error in errors), "an error whose context.ids cannot be read")


def _ids(error: object) -> list[str] | None:
    """The lead ids an error names, None if they cannot be read."""
    context = error.get("context") if isinstance(error, dict) else None
    ids = context.get("ids") if isinstance(context, dict) else None
    if not isinstance(ids, list):
        return None
    named = [lead_id_of(i) for i in ids]
    return None if None in named else named  # type: ignore[return-value]
