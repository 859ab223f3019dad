"""Dynamics 365: upsert ``msdyn_predictivescore`` rows with ``UpsertMultiple``.

The table's alternate key is (``msdyn_entityid``, ``msdyn_entitytype``): one row per lead,
created or updated in one call per batch, so the lead form's predictive-score fields
(score, grade, scored-on) show leadstream's values. ``UpsertMultiple`` is all or nothing:
a 4xx rejects the whole batch, which the sink narrows down by splitting it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from scoring.writeback.score import CrmAnswer, CrmRequest, WritebackScore, iso

PATH = "/api/data/v9.2/msdyn_predictivescores/Microsoft.Dynamics.CRM.UpsertMultiple"
ENTITY_TYPE = "lead"


def request(scores: Sequence[WritebackScore]) -> CrmRequest:
    targets = [
        {"@odata.type": "Microsoft.Dynamics.CRM.msdyn_predictivescore",
         "msdyn_entityid": s.lead_id, "msdyn_entitytype": ENTITY_TYPE,
         "msdyn_score": s.score_100, "msdyn_grade": s.grade,
         "msdyn_scoredon": iso(s.scored_at),
         "msdyn_name": f"leadstream {s.model_name} v{s.model_version}"}
        for s in scores]
    return CrmRequest("POST", PATH, json.dumps({"Targets": targets}).encode())


def answer(scores: Sequence[WritebackScore], body: bytes) -> CrmAnswer:
    return CrmAnswer()  # a 2xx means every target was upserted
