"""A generic JSON webhook: ``POST`` to the configured URL, exactly as given, with every
score of the batch.

Body: ``{"scores": [{"lead_id", "score", "score_100", "grade", "trend", "reasons",
"model_name", "model_version", "variant", "scored_at"}]}`` (``reasons`` as on
``leads.scored``: feature, value, label, direction, weight). Any 2xx accepts the batch; a
receiver may reject single leads for good by answering ``{"rejected": [{"lead_id": ...,
"reason": ...}]}`` (an entry without a ``lead_id`` leaves the other leads in doubt).
``scored_at`` is the scorer's clock: the sink orders scores by their position on
``leads.scored`` and sends a lead's newest, in order.
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


def request(scores: Sequence[WritebackScore]) -> CrmRequest:
    body = {"scores": [
        {"lead_id": s.lead_id, "score": s.score, "score_100": s.score_100, "grade": s.grade,
         "trend": s.trend, "reasons": [r.model_dump(mode="json") for r in s.reasons],
         "model_name": s.model_name, "model_version": s.model_version, "variant": s.variant,
         "scored_at": iso(s.scored_at)}
        for s in scores]}
    return CrmRequest("POST", "", json.dumps(body).encode())


def answer(scores: Sequence[WritebackScore], body: bytes) -> CrmAnswer:
    """Any 2xx takes the batch (a body that is not JSON, ``OK``, says nothing else) but the
    leads named in ``rejected``. A ``rejected`` that is not a list, or an entry naming no
    lead (no ``lead_id``, a null one): which leads it rejects is unknown, so every lead it
    does not name is in doubt (unreadable)."""
    doc = json_answer(body)
    rejected = doc.get("rejected") if isinstance(doc, dict) else None
    if rejected is None:
        return CrmAnswer()
    if not isinstance(rejected, list):
        return CrmAnswer.all_unreadable(scores, "'rejected' is not a list")
    return CrmAnswer.of_rejections(scores, map(_named, rejected),
                                   "a 'rejected' entry names no lead_id")


def _named(entry: object) -> tuple[list[str] | None, str]:
    """The lead a ``rejected`` entry names (None: no ``lead_id`` that names one), its reason."""
    if not isinstance(entry, dict):
        return None, ""
    lead_id = lead_id_of(entry.get("lead_id"))
    return (None if lead_id is None else [lead_id]), words(entry.get("reason"))
