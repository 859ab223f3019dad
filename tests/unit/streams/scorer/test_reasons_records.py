"""Reasons on ``leads.scored`` and ``scores.shadow``: each lead's strongest features with
its own values, exact for the grades chosen, and a failing explainer costs no score."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import UTC, datetime
from types import SimpleNamespace

import numpy as np
import pytest
import xgboost as xgb
from confluent_kafka import Message

from schemas.control import ServingConfig, ServingMode
from schemas.experiments import ShadowComparison
from schemas.scored import ScoredLead
from scoring.grades import GradeScale
from scoring.model import ServingModel
from scoring.reasons import ChosenReasons
from scoring.serving import ServingPlan
from streams.kafka.io import translate
from streams.scorer.batch import BatchStep, OutputTopics
from streams.scorer.bookkeeping import BatchBook
from streams.scorer.explain import Explanations
from streams.scorer.metrics import Progress, ScorerMetrics
from streams.scorer.reasons_text import ReasonsText
from streams.stores.dedup import Deduplicator
from tests.unit.scoring.conftest import random_columns

TOPICS = OutputTopics("scored", "dead", "shadow")
GRADES = GradeScale(("A", "B", "C", "D"), (0.8, 0.5, 0.3, 0.0))


def _consumed(n: int, seed: int = 9):
    cols = random_columns(n, seed)
    docs = [{"lead_id": f"L{i}", **{k: v[i] for k, v in cols.items() if v[i] is not None}}
            for i in range(n)]
    msgs = [Message(topic="in", partition=0, offset=i, key=d["lead_id"].encode(),
                    value=json.dumps(d).encode(), timestamp=(1, 1_000))
            for i, d in enumerate(docs)]
    return translate(msgs), docs


def _step(plan: ServingPlan, k: int = 3, exact: frozenset[str] = frozenset({"A"})):
    return BatchStep(plan, Deduplicator(None, 0), TOPICS, GRADES,  # the budget: not here
                     explanations=Explanations(k, GRADES, exact, budget_ms_per_lead=1e3))


def _folded(model: ServingModel, doc: dict, approx: bool) -> dict[str, float]:
    """Per spec feature, the sum of its columns' contributions, straight from XGBoost."""
    batch = model.encoder.encode_columns({f.name: [doc.get(f.name)] for f in model.spec.features})
    names = list(model.encoder.feature_names)
    c = model.booster.predict(xgb.DMatrix(batch.matrix, feature_names=names),
                              pred_contribs=True, approx_contribs=approx)[0]
    return {f.name: sum(c[i] for i, n in enumerate(names) if n.split("__")[0] == f.name)
            for f in model.spec.features}


def test_render_writes_each_reason_as_json_with_the_leads_own_value() -> None:
    text = ReasonsText(["visits", "source", "size"], ["Visits", 'Source "CRM"', "Size"])
    leads = [SimpleNamespace(visits=87, source="Web", size=None),
             SimpleNamespace(visits=3, source=None, size=12.5)]
    chosen = ChosenReasons(np.array([[0, -1, 1, -1], [2, 0, -1, -1]]),
                           np.array([[0.4204, 0.0, -0.12346, 0.0], [0.2, 0.1, 0.0, 0.0]]),
                           np.array([True, False]))
    out = [json.loads(t) for t in text.render(leads, chosen)]
    assert out == [
        [{"feature": "visits", "value": 87, "label": "Visits", "direction": "+",
          "weight": 0.4204},
         {"feature": "source", "value": "Web", "label": 'Source "CRM"', "direction": "-",
          "weight": -0.1235}],  # rounded to 4 decimals
        [{"feature": "size", "value": 12.5, "label": "Size", "direction": "+", "weight": 0.2},
         {"feature": "visits", "value": 3, "label": "Visits", "direction": "+",
          "weight": 0.1}]]
    assert text.render([], ChosenReasons(np.zeros((0, 4), int), np.zeros((0, 4)),
                                         np.zeros(0, bool))) == []


def test_every_scored_lead_carries_its_grade_and_strongest_reasons(tiny_model) -> None:
    consumed, docs = _consumed(300)
    result = _step(ServingPlan(tiny_model)).run(consumed, "t")
    scored = [ScoredLead.model_validate_json(r.value) for r in result.records
              if r.topic == "scored"]
    assert len(scored) == 300 and not result.reasons_failed
    scores = np.array([s.score for s in scored])
    by_hand = np.array(["D", "C", "B", "A"])[np.digitize(scores, [0.3, 0.5, 0.8])]
    assert [s.grade for s in scored] == by_hand.tolist()
    assert {s.grade for s in scored} >= {"A", "D"}
    for s, doc in zip(scored, docs, strict=True):
        exact = s.grade == "A"
        assert s.reasons_method == ("exact" if exact else "approx")
        folded = _folded(tiny_model, doc, approx=not exact)
        ups = sorted((v for v in folded.values() if v > 0), reverse=True)[:3]
        downs = sorted(v for v in folded.values() if v < 0)[:3]
        got = [r.weight for r in s.reasons]
        assert got == pytest.approx([round(v, 4) for v in ups + downs], abs=2e-4)
        for r in s.reasons:
            assert r.weight == pytest.approx(folded[r.feature], abs=2e-4)
            assert r.value == doc.get(r.feature) and r.direction == ("+" if r.weight > 0
                                                                      else "-")


def test_reasons_off_publishes_none(tiny_model) -> None:
    consumed, _ = _consumed(20)
    result = _step(ServingPlan(tiny_model), k=0).run(consumed, "t")
    scored = [ScoredLead.model_validate_json(r.value) for r in result.records]
    assert all(s.reasons == [] and s.reasons_method is None for s in scored)


def _challenger(tiny_model: ServingModel) -> ServingModel:
    booster = xgb.Booster(model_file=bytearray(tiny_model.booster.save_raw("ubj")))[:5]
    return dataclasses.replace(tiny_model, version="2", alias="challenger", booster=booster)


def _shadow_plan(champion: ServingModel, challenger: ServingModel) -> ServingPlan:
    config = ServingConfig(model_name="lead-scoring", champion_version="1",
                           challenger_version="2", mode=ServingMode.SHADOW, sequence=1,
                           actor="test", updated_at=datetime.now(UTC))
    return ServingPlan(champion, challenger, config)


def test_shadow_comparisons_carry_the_challengers_reasons(tiny_model) -> None:
    challenger = _challenger(tiny_model)
    consumed, docs = _consumed(60)
    result = _step(_shadow_plan(tiny_model, challenger), exact=frozenset()).run(consumed, "t")
    shadow = [ShadowComparison.model_validate_json(r.value) for r in result.records
              if r.topic == "shadow"]
    assert len(shadow) == 60
    for c, doc in zip(shadow, docs, strict=True):
        assert c.challenger_reasons_method == "approx" and c.challenger_reasons
        folded = _folded(challenger, doc, approx=True)
        for r in c.challenger_reasons:
            assert r.weight == pytest.approx(folded[r.feature], abs=2e-4)


class _NoReasons:
    """A booster that predicts but cannot explain."""

    def __init__(self, booster: xgb.Booster):
        self._booster = booster

    def inplace_predict(self, matrix):
        return self._booster.inplace_predict(matrix)

    def num_features(self) -> int:
        return self._booster.num_features()

    def predict(self, *args, **kwargs):
        raise xgb.core.XGBoostError("contributions unavailable")


def test_a_failing_explainer_costs_reasons_never_scores(tiny_model) -> None:
    challenger = _challenger(tiny_model)
    broken = dataclasses.replace(challenger)
    object.__setattr__(broken, "booster", _NoReasons(challenger.booster))
    consumed, _ = _consumed(50)
    result = _step(_shadow_plan(tiny_model, broken)).run(consumed, "t")
    topics = Counter(r.topic for r in result.records)
    assert topics == {"scored": 50, "shadow": 50} and not result.dead_letters
    shadow = [ShadowComparison.model_validate_json(r.value) for r in result.records
              if r.topic == "shadow"]
    assert all(c.challenger_reasons == [] and c.challenger_reasons_method is None
               for c in shadow)
    scored = [ScoredLead.model_validate_json(r.value) for r in result.records
              if r.topic == "scored"]
    assert all(s.reasons for s in scored)  # the champion still explains its own scores
    assert result.reasons_failed == {"challenger": 1}
    metrics = ScorerMetrics()
    BatchBook(metrics, Progress(metrics), None).count(result, 0.0)
    assert metrics.registry.get_sample_value("leadstream_scorer_reasons_failed_total",
                                             {"role": "challenger"}) == 1.0


def test_a_failing_champion_explainer_publishes_scores_without_reasons(tiny_model) -> None:
    broken = dataclasses.replace(tiny_model)
    object.__setattr__(broken, "booster", _NoReasons(tiny_model.booster))
    consumed, _ = _consumed(30)
    result = _step(ServingPlan(broken)).run(consumed, "t")
    scored = [ScoredLead.model_validate_json(r.value) for r in result.records]
    assert len(scored) == 30 and all(s.reasons == [] and s.reasons_method is None
                                     for s in scored)
    assert result.reasons_failed == {"champion": 1} and result.scored == 30
