"""The ``leads.scored`` serializer writes, byte for byte, ``json.dumps`` of the record built
field by field as a dict, and the contract reads it: an A/B batch (two versions, aliases and
variants), leads with and without event ids and event times (offsets, naive, repeated),
trends known, unknown and new, and a single-lead batch."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import numpy as np
import pytest
import xgboost as xgb
from confluent_kafka import Message

from schemas.control import ServingConfig, ServingMode
from schemas.scored import ScoredLead, Trend
from scoring.grades import GradeScale
from scoring.intake import Intake
from scoring.model import ServingModel
from scoring.serving import ServingPlan, serve
from streams.kafka.io import translate
from streams.scorer.explain import BatchReasons
from streams.scorer.lead_batch import BatchInput
from streams.scorer.scored_json import ScoreTexts, Trends, scored_records
from tests.unit.scoring.conftest import random_columns

GRADES = GradeScale()
TIMES = ["2025-03-01T12:00:00Z", "2025-03-01T13:30:00.250+02:00", "2025-03-01T12:00:00",
         None, "2025-03-01T12:00:00Z"]


@pytest.fixture(scope="module")
def plan(tiny_model: ServingModel) -> ServingPlan:
    booster = xgb.Booster(model_file=bytearray(tiny_model.booster.save_raw("ubj")))[:5]
    challenger = dataclasses.replace(tiny_model, version="2", alias="challenger",
                                     booster=booster)
    config = ServingConfig(model_name="lead-scoring", champion_version="1",
                           challenger_version="2", mode=ServingMode.AB, treatment_share=0.4,
                           experiment_id="exp-1", salt="s1", sequence=3, actor="test",
                           updated_at=datetime.now(UTC))
    return ServingPlan(tiny_model, challenger, config)


def _batch(plan: ServingPlan, n: int) -> tuple[BatchInput, object]:
    cols = random_columns(n, seed=n)
    msgs = []
    for i in range(n):
        doc = {"lead_id": f"L-{i}-\"é\"", **{k: v[i] for k, v in cols.items()
                                             if v[i] is not None}}
        if i % 3:
            doc["event_id"] = f"ev-{i}"
        if TIMES[i % len(TIMES)] is not None:
            doc["occurred_at"] = TIMES[i % len(TIMES)]
        msgs.append(Message(topic="in", partition=i % 4, offset=10 + i, key=None,
                            value=json.dumps(doc).encode(), timestamp=(1, 1_700_000_000_000)))
    accepted, letters = Intake(plan.champion, 64 * 1024).accept(
        translate(msgs).events, datetime.now(UTC))
    assert not letters
    batch = BatchInput(accepted.events, accepted.leads, accepted.batch, 1_700_000_000.5)
    return batch, serve(plan, accepted.leads, accepted.batch)


def _iso(at: datetime | None) -> str | None:
    if at is None:
        return None
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.isoformat().replace("+00:00", "Z")


def _by_hand(batch: BatchInput, served, why: BatchReasons, trends: Trends | None) -> list:
    route, scores = served.route, served.scores.tolist()
    grades = GRADES.assign(served.scores)
    latency = (batch.wait_ms + served.served_seconds * 1000.0).tolist()
    out = []
    for i, (lead, ev) in enumerate(zip(batch.leads, batch.events, strict=True)):
        treated = bool(route.treatment[i])
        previous = None if trends is None else trends.previous[i].item()
        trend = None if trends is None else trends.trends[i]
        doc = {"lead_id": lead.lead_id, "event_id": lead.event_id, "score": scores[i],
               "grade": grades[i], "reasons": json.loads(why.reasons[i]),
               "reasons_method": json.loads(why.methods[i]), "model_name": "lead-scoring",
               "model_version": "2" if treated else "1",
               "model_alias": "challenger" if treated else "champion",
               "variant": route.variants[i].value, "experiment_id": route.experiment_id,
               "occurred_at": _iso(lead.occurred_at),
               "scored_at": "2023-11-14T22:13:20.500000Z", "latency_ms": latency[i],
               "trend": None if trend is None else trend.value,
               "previous_score": None if previous != previous else previous,
               "source_partition": ev.partition, "source_offset": ev.offset}
        out.append((lead.lead_id.encode(), json.dumps(doc, separators=(",", ":")).encode()))
    return out


@pytest.mark.parametrize("n", [1, 7, 200])
def test_scored_records_are_json_dumps_of_the_record(plan, n) -> None:
    batch, served = _batch(plan, n)
    assert len(served) == n
    if n > 100:  # both versions, aliases and variants in one batch
        assert served.route.treatment.any() and not served.route.treatment.all()
    why = BatchReasons(['[{"feature":"region","value":"emea","label":"Region","direction":'
                        '"+","weight":0.25}]' if i % 2 else "[]" for i in range(n)],
                       ['"approx"' if i % 2 else "null" for i in range(n)])
    trends = Trends([(None, Trend.NEW, Trend.IMPROVING, Trend.DECLINING)[i % 4]
                     for i in range(n)],
                    np.array([(np.nan, np.nan, 0.25, 0.5)[i % 4] for i in range(n)]))
    for t in (trends, None):
        records = scored_records("scored", "lead-scoring", served, batch, GRADES, why, t)
        assert [(r.key, r.value) for r in records] == _by_hand(batch, served, why, t)
        made = ScoreTexts.of(served, GRADES, batch)  # the texts made once per batch
        assert [(r.key, r.value) for r in scored_records(
            "scored", "lead-scoring", served, batch, GRADES, why, t, made)] == _by_hand(
                batch, served, why, t)
        assert all(r.topic == "scored" for r in records)
        for r in records:
            ScoredLead.model_validate_json(r.value)
    assert len({r.value for r in records}) == n
