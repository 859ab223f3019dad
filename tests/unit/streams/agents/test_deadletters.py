"""Per-record isolation of the agents and timers that survive errors (no broker needed:
the dead-letter topic is replaced by a recorder)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from types import SimpleNamespace

import faust
import pytest
import redis

from schemas.control import ControlRequest
from schemas.deadletters import MAX_KEPT_BYTES, RecordDeadLetter, RecordRejectReason
from schemas.experiments import Outcome
from schemas.monitor import MonitorSample
from schemas.topics import all_topics
from streams.agents.controller import alert_of
from streams.agents.deadletters import DeadLetters, Rejected, decode, guarded, guarded_timer
from streams.agents.metrics import metrics_for
from streams.settings import Settings


class Recorder:
    def __init__(self, fail: bool = False):
        self.sent: list[tuple[bytes | None, bytes]] = []
        self.fail = fail

    async def send(self, key=None, value=None):
        if self.fail:
            raise ConnectionError("broker down")
        self.sent.append((key, value))


def event(value: bytes | None, key: bytes | None = b"m", offset: int = 7):
    msg = SimpleNamespace(topic="leads.outcomes", partition=2, offset=offset, timestamp=1.5)
    return SimpleNamespace(key=key, value=value, message=msg)


@pytest.fixture
def app() -> faust.App:
    return faust.App(f"test-{id(object())}", broker="kafka://127.0.0.1:1", store="memory://")


def dead_letters(app: faust.App, fail: bool = False) -> tuple[DeadLetters, Recorder]:
    dead = DeadLetters(app, Settings(_env_file=None), all_topics()["leads.outcomes"], "test")
    dead.topic = Recorder(fail)  # type: ignore[assignment]
    return dead, dead.topic  # type: ignore[return-value]


def letters(rec: Recorder) -> list[RecordDeadLetter]:
    return [RecordDeadLetter.model_validate_json(v) for _, v in rec.sent]


def counted(app: faust.App, reason: str) -> float:
    return metrics_for(app).registry.get_sample_value(
        "leadstream_agent_deadletters_total", {"topic": "leads.outcomes", "reason": reason}) or 0


@pytest.mark.parametrize("raw, reason", [
    (b"{not json", RecordRejectReason.INVALID_JSON),
    (b"[" * 5000 + b"]" * 5000, RecordRejectReason.INVALID_JSON),
    (b'{"lead_id": "a", "converted": "maybe", "occurred_at": "2025-01-01T00:00:00Z"}',
     RecordRejectReason.SCHEMA_VIOLATION),
    (b'{"lead_id": "a", "converted": true, "occurred_at": "0001-01-01T00:00:00"}',
     RecordRejectReason.SCHEMA_VIOLATION),
    (b'{"lead_id": "a", "converted": true, "occurred_at": "9999-12-31T23:59:59-05:00"}',
     RecordRejectReason.SCHEMA_VIOLATION),
])
def test_undecodable_records_are_dead_lettered_with_their_reason(app, raw, reason):
    dead, rec = dead_letters(app)

    async def handle() -> None:
        decode(Outcome, raw)

    assert asyncio.run(guarded(dead, event(raw), handle)) is False
    (letter,) = letters(rec)
    assert letter.reason is reason and letter.payload() == raw
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == \
        ("leads.outcomes", 2, 7)
    assert letter.source_timestamp_ms == 1500 and rec.sent[0][0] == b"m"
    assert counted(app, reason.value) == 1


def test_a_handler_that_raises_is_an_apply_failure_and_the_agent_goes_on(app):
    dead, rec = dead_letters(app)
    handled: list[int] = []

    async def handle(i: int) -> None:
        if i == 1:
            raise OverflowError("int too large to convert")
        handled.append(i)

    results = [asyncio.run(guarded(dead, event(b"{}", offset=i), lambda i=i: handle(i)))
               for i in range(3)]
    assert results == [True, False, True] and handled == [0, 2]
    (letter,) = letters(rec)
    assert letter.reason is RecordRejectReason.APPLY_FAILED
    assert letter.error_class == "OverflowError" and "int too large" in letter.message
    assert letter.source_offset == 1


def test_dead_letter_keeps_a_bounded_prefix_with_size_and_digest(app):
    dead, rec = dead_letters(app)
    raw = b"x" * (MAX_KEPT_BYTES * 3)

    async def handle() -> None:
        decode(Outcome, raw)

    asyncio.run(guarded(dead, event(raw, key=b"k" * 5000), handle))
    (letter,) = letters(rec)
    assert letter.payload_truncated and letter.payload_size == len(raw)
    assert letter.payload_sha256 == hashlib.sha256(raw).hexdigest()
    assert letter.payload() == raw[:MAX_KEPT_BYTES]
    assert len(base64.b64decode(letter.key_b64 or "")) == 1024
    assert len(rec.sent[0][1]) < MAX_KEPT_BYTES * 4 / 3 + 8 * 1024
    assert len(rec.sent[0][0] or b"") == 1024


def test_a_dead_letter_that_cannot_be_sent_is_counted_not_raised(app):
    dead, _ = dead_letters(app, fail=True)

    async def handle() -> None:
        raise ValueError("bad")

    assert asyncio.run(guarded(dead, event(b"{}"), handle)) is False
    assert metrics_for(app).registry.get_sample_value(
        "leadstream_agent_deadletter_send_failures_total", {"topic": "leads.outcomes"}) == 1


@pytest.mark.parametrize("exc, kind", [(redis.ConnectionError("down"), "redis"),
                                       (ValueError("x"), "other")])
def test_a_failing_timer_tick_is_skipped_and_counted(app, exc, kind):
    calls: list[int] = []

    @guarded_timer(app, "t")
    async def tick() -> None:
        calls.append(1)
        raise exc

    asyncio.run(tick())
    asyncio.run(tick())
    assert len(calls) == 2
    assert metrics_for(app).registry.get_sample_value(
        "leadstream_agent_timer_errors_total", {"timer": "t", "kind": kind}) == 2


def test_control_request_with_bad_canary_steps_is_invalid_not_a_crash(app):
    raw = json.dumps({"request_id": "r1", "model_name": "m", "action": "start_experiment",
                      "mode": "canary", "challenger_version": "2", "canary_steps": [0.5, 0.1],
                      "actor": "bob", "requested_at": "2025-01-01T00:00:00Z"}).encode()
    dead, rec = dead_letters(app)

    async def handle() -> None:
        decode(ControlRequest, raw)

    asyncio.run(guarded(dead, event(raw, key=b"k" * 200), handle))
    (letter,) = letters(rec)
    assert letter.reason is RecordRejectReason.SCHEMA_VIOLATION
    assert "canary_steps" in letter.message
    alert = alert_of(letter, b"k" * 200, None, "request")
    assert alert.kind == "invalid_request" and alert.model_name == "k" * 128
    assert "skipped" in alert.message and alert.request_id is None


def test_monitor_sample_counts_beyond_int64_are_rejected():
    from tests.unit.monitors.test_event_time import sample

    data = json.loads(sample([1.0], "s").model_dump_json())
    data["n_scored"] = 2**63
    with pytest.raises(Rejected) as info:
        decode(MonitorSample, json.dumps(data).encode())
    assert info.value.reason is RecordRejectReason.SCHEMA_VIOLATION
    data["n_scored"], data["score_counts"][0] = 1, 2**64
    with pytest.raises(Rejected):
        decode(MonitorSample, json.dumps(data).encode())
    data["score_counts"][0], data["model_name"] = 0, "../../etc"
    with pytest.raises(Rejected):
        decode(MonitorSample, json.dumps(data).encode())
