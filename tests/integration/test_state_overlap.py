"""The batch's state read runs on the reader thread while the batch is scored, against the
real Redis (:class:`streams.scorer.state_read.StateReader`): the model predicts before the
read has answered; a resend found in the answer costs only its own row; a part whose model
fails still gives back the claims the read took."""

from __future__ import annotations

import dataclasses
import json
import threading
import uuid

import numpy as np
import pytest
import xgboost as xgb
from confluent_kafka import Message

from schemas.leads import DeadLetter
from schemas.scored import ScoredLead
from schemas.spec import load_spec
from scoring.features import FeatureEncoder, learn_vocabularies
from scoring.model import ServingModel
from scoring.serving import ServingPlan
from streams.kafka.io import translate
from streams.scorer import state_read
from streams.scorer.batch import BatchStep, OutputTopics
from streams.settings import Settings
from streams.stores.dedup import Claim, Deduplicator
from tests.unit.scoring.conftest import random_columns
from tests.unit.streams.scorer.fakes import picky

TOPICS = OutputTopics("scored", "dead")
WAIT_S = 5.0


@pytest.fixture(scope="module")
def model() -> ServingModel:
    columns = random_columns(1000)
    spec = load_spec().with_vocabularies(learn_vocabularies(load_spec(), columns))
    label = (np.asarray(columns["engagement_score"]) > 60).astype(float)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 3, "nthread": 1},
                        xgb.DMatrix(FeatureEncoder(spec).encode_columns(columns).matrix,
                                    label=label), 10)
    return ServingModel("lead-scoring", "1", "champion", booster, spec)


def _events(tag: str, n: int, poison: int | None = None) -> list[bytes]:
    return [json.dumps({"lead_id": f"{tag}-L{i}", "event_id": f"{tag}-e{i}",
                        "engagement_score": 13.0 if i == poison else 10.0 + 7 * i}).encode()
            for i in range(n)]


def _consumed(values: list[bytes]):
    return translate([Message(topic="in", partition=0, offset=i, key=b"k", value=v,
                              timestamp=(1, 1_000)) for i, v in enumerate(values)])


def _dedup(s: Settings) -> Deduplicator:
    return Deduplicator.from_url(s.redis_url, timeout_s=WAIT_S, ttl_s=600)


def _scored(result) -> dict[str, ScoredLead]:
    docs = [ScoredLead.model_validate_json(r.value) for r in result.records
            if r.topic == "scored"]
    return {d.lead_id: d for d in docs}


def _held(s: Settings, tag: str, i: int) -> bool:
    """Whether event ``i``'s id is claimed (by the batch's position ``in:0:i``)."""
    probe = _dedup(s)
    taken = probe.duplicates([Claim(f"{tag}-e{i}", "probe:9:9", f"{tag}-L{i}")])
    if not taken:  # it was free: the probe took it, give it back
        probe.release([Claim(f"{tag}-e{i}", "probe:9:9", f"{tag}-L{i}")])
    return bool(taken)


def test_the_model_predicts_while_the_read_is_out(stack_settings: Settings, model, monkeypatch):
    """The read is held until the model has predicted: only a read sent on its own thread,
    before predicting, can finish (a read before the prediction would wait forever)."""
    predicted, late = threading.Event(), []
    real_read = state_read.read_state

    def held_read(*args):
        if not predicted.wait(WAIT_S):  # the read came first and waited in vain
            late.append(args)
        return real_read(*args)

    class Signalling:
        def inplace_predict(self, matrix):
            predicted.set()
            return model.booster.inplace_predict(matrix)

    monkeypatch.setattr(state_read, "read_state", held_read)
    signalling = dataclasses.replace(model)
    object.__setattr__(signalling, "booster", Signalling())
    step = BatchStep(ServingPlan(signalling), _dedup(stack_settings), TOPICS)
    tag = uuid.uuid4().hex[:8]
    try:
        result = step.run(_consumed(_events(tag, 5)), "0:0-4")
    finally:
        step.close()
    assert late == [], "the read was not sent alongside the prediction"
    assert result.scored == 5 and all(_held(stack_settings, tag, i) for i in range(5))


def test_a_resend_found_in_the_answer_costs_only_its_row(stack_settings: Settings, model):
    tag = uuid.uuid4().hex[:8]
    events = _events(tag, 8)
    assert _dedup(stack_settings).duplicates([Claim(f"{tag}-e3", "in:7:70", f"{tag}-L3")]) == {}
    step = BatchStep(ServingPlan(model), _dedup(stack_settings), TOPICS)
    alone = BatchStep(ServingPlan(model), Deduplicator(None, 0), TOPICS)  # no claims at all
    try:
        result = step.run(_consumed(events), "0:0-7")
    finally:
        step.close()
    letters = [DeadLetter.model_validate_json(r.value) for r in result.records
               if r.topic == "dead"]
    assert [(d.lead_id, d.reason.value) for d in letters] == [(f"{tag}-L3", "duplicate_event")]
    others = [e for i, e in enumerate(events) if i != 3]
    want = _scored(alone.run(_consumed(others), "0:0-6"))  # the batch without the resend
    got = _scored(result)
    assert sorted(got) == sorted(want) and len(got) == 7
    for lead, doc in got.items():
        assert (doc.score, doc.grade, doc.model_version) == (
            want[lead].score, want[lead].grade, want[lead].model_version)


def test_a_failing_part_gives_back_the_claims_its_read_took(stack_settings: Settings, model):
    tag = uuid.uuid4().hex[:8]
    step = BatchStep(ServingPlan(picky(model, "engagement_score", 13.0)),
                     _dedup(stack_settings), TOPICS)
    try:
        result = step.run(_consumed(_events(tag, 6, poison=2)), "0:0-5")
    finally:
        step.close()
    assert result.scored == 5 and result.dead_letters == {"scoring_failed": 1}
    assert not _held(stack_settings, tag, 2)
    assert all(_held(stack_settings, tag, i) for i in (0, 1, 3, 4, 5))
