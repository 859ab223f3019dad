"""The erasure agent's contract and guard: hostile bytes on ``privacy.requests`` become a
hashed dead letter (never the lead id), a valid request runs every eraser and yields an
audit entry with counts and the lead's digest only."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import UTC, datetime
from types import SimpleNamespace

import faust
import pytest
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError

from schemas.deadletters import RecordDeadLetter, RecordRejectReason
from schemas.payload import PayloadPolicy
from schemas.privacy import ErasureEntry, ErasureRequest
from schemas.topics import all_topics
from streams.agents.deadletters import DeadLetters, decode, guarded
from streams.agents.erasure import erasure_entry
from streams.settings import Settings
from streams.stores.erasure import erase
from tests.strategies.hostile import arbitrary_bytes, arbitrary_json
from tests.strategies.privacy import invalid_erasure_request

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


class Recorder:
    def __init__(self):
        self.sent: list[tuple[bytes | None, bytes]] = []

    async def send(self, key=None, value=None):
        self.sent.append((key, value))


def request(lead_id: str = "lead-Ü-1") -> ErasureRequest:
    return ErasureRequest(request_id="r1", lead_id=lead_id, actor="ops", requested_at=NOW)


@pytest.fixture(scope="module")
def dead() -> DeadLetters:
    app = faust.App(f"test-erasure-{id(object())}", broker="kafka://127.0.0.1:1",
                    store="memory://")
    letters = DeadLetters(app, Settings(_env_file=None), all_topics()["privacy.requests"],
                          "erasure")
    letters.policy = PayloadPolicy.HASH
    return letters


def test_the_request_contract_refuses_what_it_cannot_act_on():
    for bad in ({"lead_id": ""}, {"lead_id": "x" * 129}, {"request_id": "a b"},
                {"actor": ""}, {"extra": 1}):
        fields = request().model_dump(mode="json") | bad
        with pytest.raises(ValidationError):
            ErasureRequest.model_validate(fields)
    assert ErasureRequest.model_validate_json(request().model_dump_json()) == request()
    padded = request().model_dump(mode="json") | {"lead_id": "  lead-Ü-1 "}
    assert ErasureRequest.model_validate(padded).lead_id == "lead-Ü-1"  # as the scorer reads it


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=arbitrary_bytes() | arbitrary_json())
def test_hostile_bytes_are_dead_lettered_as_size_and_hash_only(dead, raw):
    dead.topic = Recorder()  # type: ignore[assignment]
    msg = SimpleNamespace(topic="privacy.requests", partition=0, offset=4, timestamp=1.0)
    event = SimpleNamespace(key=b"k", value=raw, message=msg)
    ran: list[ErasureRequest] = []

    async def handle() -> None:
        ran.append(decode(ErasureRequest, event.value))

    handled = asyncio.run(guarded(dead, event, handle))
    if handled:  # hostile bytes that happen to be a valid request are a valid request
        assert ran and ran[0].lead_id
        return
    (_key, value), = dead.topic.sent  # type: ignore[attr-defined]
    letter = RecordDeadLetter.model_validate_json(value)
    body = raw or b""
    assert letter.payload_b64 == "" and letter.payload_policy is PayloadPolicy.HASH
    assert (letter.payload_size, letter.payload_sha256) == (
        len(body), hashlib.sha256(body).hexdigest())


def test_a_valid_request_runs_every_eraser_and_audits_counts_and_digest_only():
    seen: list[tuple[str, str]] = []

    def eraser(name: str, n: int):
        def forget(lead_id: str) -> int:
            seen.append((name, lead_id))
            return n
        return forget

    removed = erase({"ledger": eraser("ledger", 3), "dedup": eraser("dedup", 2),
                     "history": eraser("history", 0)}, "lead-Ü-1")
    assert seen == [("ledger", "lead-Ü-1"), ("dedup", "lead-Ü-1"), ("history", "lead-Ü-1")]
    entry = erasure_entry(request(), removed, NOW)
    assert entry.removed == {"ledger": 3, "dedup": 2, "history": 0} and entry.total == 5
    assert entry.lead_sha256 == hashlib.sha256("lead-Ü-1".encode()).hexdigest()
    text = entry.model_dump_json()
    assert "lead-" not in text and json.loads(text)["actor"] == "ops"
    assert ErasureEntry.model_validate_json(text) == entry


def test_agent_dead_letters_follow_the_payload_setting():
    app = faust.App(f"test-policy-{id(object())}", broker="kafka://127.0.0.1:1",
                    store="memory://")
    raw = b'{"lead_id": "L1", "converted": "MARKER"}'
    where = ("leads.outcomes", 0, 1, None)
    for policy, kept in ((PayloadPolicy.ORIGINAL, raw), (PayloadPolicy.HASH, b"")):
        dead = DeadLetters(app, Settings(_env_file=None, deadletter_payload=policy),
                           all_topics()["leads.outcomes"], "outcomes")
        letter = dead.letter(RecordRejectReason.SCHEMA_VIOLATION, "converted: bad", b"L1",
                             raw, where)
        assert letter.payload() == kept and letter.payload_policy is policy
        assert letter.payload_sha256 == hashlib.sha256(raw).hexdigest()


class Captured(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=invalid_erasure_request())
def test_an_invalid_request_puts_its_lead_id_in_no_log_line_and_no_dead_letter(dead, case):
    lead, raw = case
    dead.topic = Recorder()  # type: ignore[assignment]
    msg = SimpleNamespace(topic="privacy.requests", partition=0, offset=4, timestamp=1.0)
    event = SimpleNamespace(key=b"r-1", value=raw, message=msg)
    captured, root = Captured(), logging.getLogger()
    root.addHandler(captured)
    old_level, root.level = root.level, logging.DEBUG
    try:
        async def handle() -> None:
            decode(ErasureRequest, event.value)

        assert asyncio.run(guarded(dead, event, handle)) is False
    finally:
        root.removeHandler(captured)
        root.setLevel(old_level)
    (key, value), = dead.topic.sent  # type: ignore[attr-defined]
    letter = RecordDeadLetter.model_validate_json(value)
    assert letter.reason in (RecordRejectReason.SCHEMA_VIOLATION, RecordRejectReason.INVALID_JSON)
    assert "validation error" in letter.message  # still says what failed
    text = "\n".join(captured.lines)
    assert "skipped privacy.requests[0]@4" in text
    for where in (text, value.decode(), (key or b"").decode()):
        assert lead not in where and lead[:12] not in where
