"""A batch under a serving plan: scored JSON against the contract, shadow records, samples."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import UTC, datetime

import pytest
import xgboost as xgb
from confluent_kafka import Message

from schemas.control import ServingConfig, ServingMode
from schemas.experiments import ShadowComparison
from schemas.leads import DeadLetter
from schemas.monitor import MonitorSample
from schemas.scored import ScoredLead
from scoring.model import ServingModel
from scoring.routing import route_batch
from scoring.serving import ServingPlan
from streams.kafka.io import translate
from streams.scorer.batch import BatchStep, OutputTopics
from streams.scorer.offsets import offsets_tag
from streams.stores.dedup import Deduplicator
from tests.unit.scoring.conftest import random_columns

TOPICS = OutputTopics("scored", "dead", "shadow", "samples")


def _config(mode: ServingMode, share: float = 0.0) -> ServingConfig:
    split = mode in (ServingMode.CANARY, ServingMode.AB)
    return ServingConfig(
        model_name="lead-scoring", champion_version="1", challenger_version="2", mode=mode,
        treatment_share=share, experiment_id="exp-1" if split else None,
        salt="s1" if split else None, sequence=3, actor="test", updated_at=datetime.now(UTC))


@pytest.fixture(scope="module")
def models(tiny_model: ServingModel) -> tuple[ServingModel, ServingModel]:
    booster = xgb.Booster(model_file=bytearray(tiny_model.booster.save_raw("ubj")))[:5]
    return tiny_model, dataclasses.replace(tiny_model, version="2", alias="challenger",
                                           booster=booster)


def _messages(n: int) -> list[Message]:
    cols = random_columns(n, seed=9)
    out = []
    for i in range(n):
        doc = {"lead_id": f"L{i}", **{k: v[i] for k, v in cols.items() if v[i] is not None}}
        value = json.dumps(doc).encode() if i % 10 else b"{not json"
        out.append(Message(topic="in", partition=i % 3, offset=100 + i, key=f"L{i}".encode(),
                           value=value, timestamp=(1, 1_000)))
    return out


def _by_topic(result) -> dict[str, list]:
    out: dict[str, list] = {}
    for r in result.records:
        out.setdefault(r.topic, []).append(r)
    return out


def test_ab_batch_publishes_routed_scores_samples_and_ledger(models) -> None:
    champion, challenger = models
    config = _config(ServingMode.AB, 0.3)
    step = BatchStep(ServingPlan(champion, challenger, config), Deduplicator(None, 0), TOPICS,
                     sample_prefix="tx-1")
    consumed = translate(_messages(200))
    tag = offsets_tag(consumed.events)
    result = step.run(consumed, tag)
    topics = _by_topic(result)
    scored = [ScoredLead.model_validate_json(r.value) for r in topics["scored"]]
    assert len(scored) == result.scored == 180 and len(topics["dead"]) == 20
    route = route_batch(config, [s.lead_id for s in scored])
    assert [s.variant for s in scored] == list(route.variants)
    assert all(s.model_version == route.served_version(i) for i, s in enumerate(scored))
    assert {s.experiment_id for s in scored} == {"exp-1"}
    samples = [MonitorSample.model_validate_json(r.value) for r in topics["samples"]]
    by_role = {(s.role.value, s.model_version): s for s in samples}
    assert set(by_role) == {("champion", "1"), ("challenger", "2")}
    assert sum(s.n_scored for s in samples) == 180
    assert by_role["champion", "1"].n_rejected == 20 and by_role["challenger", "2"].n_rejected == 0
    assert by_role["challenger", "2"].n_scored == sum(route.treatment)
    assert by_role["champion", "1"].sample_id == f"tx-1:{tag}:champion:1"
    again = [MonitorSample.model_validate_json(r.value) for r in _by_topic(
        step.run(translate(_messages(200)), tag))["samples"]]
    assert [s.sample_id for s in again] == [s.sample_id for s in samples]
    assert len(result.ledger) == 180
    assert Counter(e.variant.value for e in result.ledger) == Counter(
        s.variant.value for s in scored)


def test_shadow_batch_has_one_comparison_per_scored_lead(models) -> None:
    champion, challenger = models
    plan = ServingPlan(champion, challenger, _config(ServingMode.SHADOW))
    result = step_run(plan, 100)
    topics = _by_topic(result)
    scored = [ScoredLead.model_validate_json(r.value) for r in topics["scored"]]
    shadow = [ShadowComparison.model_validate_json(r.value) for r in topics["shadow"]]
    assert [c.lead_id for c in shadow] == [s.lead_id for s in scored]
    assert all(c.champion_score == pytest.approx(s.score) for c, s in zip(shadow, scored,
                                                                             strict=True))
    assert {s.model_version for s in scored} == {"1"} and {s.variant for s in scored} == {
        "champion"}
    roles = sorted(MonitorSample.model_validate_json(r.value).role.value
                   for r in topics["samples"])
    assert roles == ["challenger", "champion"]
    ledger = list(result.ledger)  # each lead's entry carries the challenger's shadow score
    assert [e.lead_id for e in ledger] == [c.lead_id for c in shadow]
    assert all((e.challenger_version, e.model_version) == ("2", "1") for e in ledger)
    assert [e.challenger_score for e in ledger] == pytest.approx(
        [c.challenger_score for c in shadow])
    assert [e.score for e in ledger] == pytest.approx([c.champion_score for c in shadow])
    assert any(abs(c.challenger_score - c.champion_score) > 1e-3 for c in shadow)


def test_a_failing_treatment_model_counts_failures_on_its_sample(models) -> None:
    champion, challenger = models

    class Broken:
        def inplace_predict(self, matrix):
            raise xgb.core.XGBoostError("boom")

    broken = dataclasses.replace(challenger)
    object.__setattr__(broken, "booster", Broken())
    config = _config(ServingMode.CANARY, 0.5)
    result = step_run(ServingPlan(champion, broken, config), 50)
    valid = [f"L{i}" for i in range(50) if i % 10]
    route = route_batch(config, valid)
    treated = {lead for lead, t in zip(valid, route.treatment, strict=True) if t}
    assert 0 < len(treated) < 45
    samples = [MonitorSample.model_validate_json(r.value) for r in _by_topic(result)["samples"]]
    # The batch is narrowed down: the champion's leads are scored, the challenger's failed.
    scored = {ScoredLead.model_validate_json(r.value).lead_id
              for r in _by_topic(result)["scored"]}
    assert scored == set(valid) - treated and result.scored == 45 - len(treated)
    assert result.dead_letters == {"scoring_failed": len(treated), "invalid_json": 5}
    failed = [DeadLetter.model_validate_json(r.value) for r in _by_topic(result)["dead"]]
    assert {d.lead_id for d in failed if d.reason == "scoring_failed"} == treated
    by_role = Counter()
    for s in samples:
        by_role[s.role.value, "failed"] += s.n_failed
        by_role[s.role.value, "rejected"] += s.n_rejected
    assert by_role["challenger", "failed"] == len(treated) and by_role["champion", "failed"] == 0
    assert by_role["champion", "rejected"] == 5
    assert len({s.sample_id for s in samples}) == len(samples)


def step_run(plan: ServingPlan, n: int):
    step = BatchStep(plan, Deduplicator(None, 0), TOPICS, sample_prefix="tx")
    consumed = translate(_messages(n))
    return step.run(consumed, offsets_tag(consumed.events))
