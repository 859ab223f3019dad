"""A generic JSON webhook: ``POST /`` with every score of the batch.

Body: ``{"scores": [{"lead_id", "score", "score_100", "grade", "trend", "reasons",
"model_name", "model_version", "variant", "scored_at"}]}`` (``reasons`` as on
``leads.scored``: feature, value, label, direction, weight). Any 2xx accepts the batch; a
receiver may reject single leads for good by answering ``{"rejected": [{"lead_id": ...,
"reason": ...}]}``. ``scored_at`` lets a receiver ignore a score older than the one it
holds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from scoring.writeback.score import CrmAnswer, CrmRequest, WritebackScore, iso


def request(scores: Sequence[WritebackScore]) -> CrmRequest:
    body = {"scores": [
        {"lead_id": s.lead_id, "score": s.score, "score_100": s.score_100, "grade": s.grade,
         "trend": s.trend, "reasons": [r.model_dump(mode="json") for r in s.reasons],
         "model_name": s.model_name, "model_version": s.model_version, "variant": s.variant,
         "scored_at": iso(s.scored_at)}
        for s in scores]}
    return CrmRequest("POST", "", json.dumps(body).encode())


def answer(scores: Sequence[WritebackScore], body: bytes) -> CrmAnswer:
    try:
        doc = json.loads(body) if body.strip() else {}
    except ValueError:
        return CrmAnswer()
    rejected = doc.get("rejected") if isinstance(doc, dict) else None
    if not isinstance(rejected, list):
        return CrmAnswer()
    sent = {s.lead_id for s in scores}
    return CrmAnswer({str(r["lead_id"]): str(r.get("reason", "rejected"))[:500]
                      for r in rejected
                      if isinstance(r, dict) and str(r.get("lead_id")) in sent})
