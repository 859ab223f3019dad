"""HubSpot: contact properties through the batch update endpoint.

``POST /crm/v3/objects/contacts/batch/update`` with ``inputs`` of ``{"id", "properties"}``;
the properties (``leadstream_score``, ``leadstream_grade``, ``leadstream_trend``,
``leadstream_reasons``, ``leadstream_scored_at``, ``leadstream_model_version``) must exist
on the contact object. A ``207`` lists per-record errors with the ids they concern; those
leads are rejected, the rest were updated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from scoring.writeback.score import CrmAnswer, CrmRequest, WritebackScore, iso

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
    try:
        doc = json.loads(body) if body.strip() else {}
    except ValueError:
        return CrmAnswer()
    sent = {s.lead_id for s in scores}
    rejected: dict[str, str] = {}
    for error in (doc.get("errors") or []) if isinstance(doc, dict) else []:
        if not isinstance(error, dict):
            continue
        ids = (error.get("context") or {}).get("ids") or []
        for lead_id in ids:
            if str(lead_id) in sent:
                rejected[str(lead_id)] = str(error.get("message", "rejected"))[:500]
    return CrmAnswer(rejected)
