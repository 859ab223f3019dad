"""Dynamics 365: upsert ``msdyn_predictivescore`` rows with ``UpsertMultiple``.

The table's alternate key is (``msdyn_entityid``, ``msdyn_entitytype``): one row per lead,
created or updated in one call per batch, so the lead form's predictive-score fields show
leadstream's values: score (1-100), grade and trend (choice columns: grade A-D = 0-3, by
rank in the sink's grade scale, a fifth grade and beyond shown as D; trend improving /
steady / declining / not enough info = 0-3), the reasons as text and the scored-on date.
``UpsertMultiple`` is all or nothing: a 4xx rejects the whole batch, which the sink narrows
down by splitting it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from scoring.writeback.score import CrmAnswer, CrmRequest, WritebackScore, iso

PATH = "/api/data/v9.2/msdyn_predictivescores/Microsoft.Dynamics.CRM.UpsertMultiple"
ENTITY_TYPE = "lead"
TREND_CHOICES = {"improving": 0, "steady": 1, "declining": 2}
NOT_ENOUGH_INFO = 3
"""``msdyn_scoretrend`` for a new lead or an unknown trend."""
LAST_GRADE = 3
"""``msdyn_grade`` has four choices, Grade A (0) to Grade D (3)."""


def request(scores: Sequence[WritebackScore]) -> CrmRequest:
    targets = [
        {"@odata.type": "Microsoft.Dynamics.CRM.msdyn_predictivescore",
         "msdyn_entityid": s.lead_id, "msdyn_entitytype": ENTITY_TYPE,
         "msdyn_score": s.score_100,
         "msdyn_grade": None if s.grade_rank is None else min(s.grade_rank, LAST_GRADE),
         "msdyn_scoretrend": TREND_CHOICES.get(s.trend or "", NOT_ENOUGH_INFO),
         "msdyn_scorereasons": s.reasons_text,
         "msdyn_scoredon": iso(s.scored_at),
         "msdyn_name": f"leadstream {s.model_name} v{s.model_version}"}
        for s in scores]
    return CrmRequest("POST", PATH, json.dumps({"Targets": targets}).encode())


def answer(scores: Sequence[WritebackScore], body: bytes) -> CrmAnswer:
    return CrmAnswer()  # a 2xx means every target was upserted
