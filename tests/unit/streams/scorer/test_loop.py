"""The scorer's pure Kafka-boundary helpers: error classes, translation, batch outputs, dedup."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import redis
import xgboost as xgb
from confluent_kafka import KafkaError, KafkaException, Message

from schemas.leads import DeadLetter
from schemas.spec import load_spec
from scoring.features import FeatureEncoder, learn_vocabularies
from scoring.grades import GradeScale
from scoring.model import ServingModel
from scoring.serving import ServingPlan
from streams.kafka.io import (
    ConsumerErrorAction,
    TxnAction,
    classify_consumer_error,
    classify_txn_error,
    translate,
)
from streams.scorer.batch import BatchStep, OutputTopics
from streams.stores.dedup import Claim, Deduplicator
from tests.unit.scoring.conftest import random_columns

TOPICS = OutputTopics("scored", "dead")


@pytest.fixture(scope="module")
def model() -> ServingModel:
    spec = load_spec()
    columns = random_columns(500)
    spec = spec.with_vocabularies(learn_vocabularies(spec, columns))
    matrix = FeatureEncoder(spec).encode_columns(columns).matrix
    label = (np.asarray(columns["engagement_score"]) > 60).astype(float)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 2},
                        xgb.DMatrix(matrix, label=label), 5)
    return ServingModel("lead-scoring", "1", "champion", booster, spec)


def _txn_error(**flags: bool) -> KafkaException:
    return KafkaException(KafkaError(KafkaError._TRANSPORT, "x", **flags))


@pytest.mark.parametrize(("flags", "action"), [
    ({"fatal": True}, TxnAction.FATAL),
    ({"txn_requires_abort": True}, TxnAction.ABORT),
    ({"retriable": True}, TxnAction.RETRY),
])
def test_transaction_errors_map_to_one_action(flags: dict, action: TxnAction) -> None:
    assert classify_txn_error(_txn_error(**flags)) is action


def test_consumer_errors_are_ignored_only_at_partition_eof() -> None:
    eof = KafkaError(KafkaError._PARTITION_EOF)
    assert classify_consumer_error(eof) is ConsumerErrorAction.IGNORE
    assert classify_consumer_error(KafkaError(KafkaError._TRANSPORT)) is ConsumerErrorAction.LOG
    fatal = KafkaError(KafkaError._FENCED, fatal=True)
    assert classify_consumer_error(fatal) is ConsumerErrorAction.FATAL


def _msg(offset: int, value: bytes | None, key: bytes | None = b"k") -> Message:
    return Message(topic="in", partition=2, offset=offset, key=key, value=value,
                   timestamp=(1, 1_000))


def test_translate_keeps_order_keys_and_errors() -> None:
    err = Message(topic="in", partition=0, error=KafkaError(KafkaError._TRANSPORT))
    out = translate([_msg(5, b"a", b"k5"), err, _msg(6, None, None)])
    assert [(e.partition, e.offset, e.value) for e in out.events] == [(2, 5, b"a"), (2, 6, None)]
    assert out.keys == {(2, 5): b"k5", (2, 6): None}
    assert [e.code() for e in out.errors] == [KafkaError._TRANSPORT]


class _NoDedup(Deduplicator):
    def __init__(self, taken: dict[int, str] | None = None):
        super().__init__(None, 0)
        self.taken = taken or {}

    def duplicates(self, claims: list[Claim]) -> dict[int, str]:
        return self.taken


def _lead(lead_id: str, **extra: object) -> bytes:
    return json.dumps({"lead_id": lead_id, "engagement_score": 50, **extra}).encode()


def test_every_event_yields_one_record(model: ServingModel) -> None:
    step = BatchStep(ServingPlan(model), _NoDedup(), TOPICS, GradeScale(), 1024)
    msgs = [_msg(0, _lead("a")), _msg(1, b"{bad"), _msg(2, None, None), _msg(3, _lead("b"))]
    result = step.run(translate(msgs))
    assert len(result.records) == 4 and result.scored == 2
    assert [r.key for r in result.records if r.topic == "scored"] == [b"a", b"b"]
    dead = [r for r in result.records if r.topic == "dead"]
    assert [r.key for r in dead] == [b"k", None]
    assert result.dead_letters == {"invalid_json": 2}


def test_resends_become_duplicate_dead_letters(model: ServingModel) -> None:
    dedup = _NoDedup({0: "in:0:7"})
    step = BatchStep(ServingPlan(model), dedup, TOPICS, GradeScale(), 1024)
    msgs = [_msg(0, _lead("a", event_id="e1")), _msg(1, _lead("b", event_id="e2"))]
    result = step.run(translate(msgs))
    assert result.scored == 1 and result.dead_letters == {"duplicate_event": 1}
    letter = DeadLetter.model_validate_json(result.records[-1].value)
    assert letter.source_offset == 0 and "in:0:7" in letter.message


def test_a_failing_model_dead_letters_its_batch(model: ServingModel) -> None:
    class Broken:
        def inplace_predict(self, matrix):
            raise xgb.core.XGBoostError("boom")

    broken = dataclasses.replace(model)
    object.__setattr__(broken, "booster", Broken())
    step = BatchStep(ServingPlan(broken), _NoDedup(), TOPICS, GradeScale(), 1024)
    result = step.run(translate([_msg(0, _lead("a")), _msg(1, b"[]")]))
    assert result.scored == 0
    assert result.dead_letters == {"scoring_failed": 1, "not_an_object": 1}


class _FakeScript:
    def __init__(self, reply: list | Exception):
        self.reply = reply
        self.calls = 0

    def __call__(self, keys: list[str], args: list) -> list:
        self.calls += 1
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


class _FakeRedis:
    def __init__(self, script: _FakeScript):
        self.script = script

    def register_script(self, _lua: str) -> _FakeScript:
        return self.script

    def close(self) -> None:
        pass


def test_dedup_reports_claims_held_elsewhere() -> None:
    script = _FakeScript([1, b"in:3:9"])
    dedup = Deduplicator(_FakeRedis(script), ttl_s=60)
    claims = [Claim("e1", "in:0:1"), Claim("e2", "in:0:2")]
    assert dedup.duplicates(claims) == {1: "in:3:9"}


def test_redis_outage_skips_dedup_and_retries_later(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    script = _FakeScript(redis.ConnectionError("refused"))
    outages: list[int] = []
    dedup = Deduplicator(_FakeRedis(script), ttl_s=60, retry_s=1.0,
                         on_outage=lambda: outages.append(1), clock=lambda: now[0])
    claims = [Claim("e1", "in:0:1")]
    assert dedup.duplicates(claims) == {} and dedup.duplicates(claims) == {}
    assert script.calls == 1 and len(outages) == 2  # second batch did not wait on Redis
    now[0] = 1.5
    script.reply = []
    assert dedup.duplicates(claims) == {} and script.calls == 2
    logged = [r.getMessage() for r in caplog.records]
    assert sum("unavailable" in m for m in logged) == 1
    assert sum("Redis is back" in m for m in logged) == 1
