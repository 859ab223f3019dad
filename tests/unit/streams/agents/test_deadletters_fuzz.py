"""Generated whole records (key, value, headers, timestamp) through the agents' guards, one
target per consumed topic: each record is handled or becomes exactly one dead letter that
passes the one size check, keyed by the first 1 KB of its key with the key's size and
sha256; nothing raises. The handlers read each record as the agents do: signature gates
(headers, key), the contract, the sample's arrival time, the alert of a refused request."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import faust
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from monitors.event_time import SkewTolerance
from schemas.control import ControlRequest, RollbackEvent
from schemas.deadletters import RecordDeadLetter
from schemas.experiments import Outcome
from schemas.monitor import MonitorSample
from schemas.monitor_windows import WindowInput, WindowInputKind
from schemas.payload import KEY_KEPT_BYTES, PayloadPolicy
from schemas.privacy import ErasureRequest
from schemas.topics import all_topics
from scoring.serving import ServingPlan
from streams.agents import records, signature_gate
from streams.agents.controller import alert_of
from streams.agents.deadletters import DeadLetters, decode, guarded
from streams.control.keys import Signer, load_private, new_key_pair
from streams.kafka.io import translate
from streams.kafka.sizes import record_size
from streams.scorer.batch import BatchStep, OutputTopics
from streams.settings import Settings
from tests.strategies.hostile import arbitrary_bytes, arbitrary_json
from tests.strategies.records import WholeRecord, big_json, near_valid_document, whole_records
from tests.unit.streams.scorer.fakes import MemoryDedup

pytestmark = pytest.mark.fuzz

NOW = datetime(2026, 1, 1, tzinfo=UTC)
Handler = Callable[[object], Awaitable[object]]


class FakeMemory:
    """Replay memory in a dict (the real one is Redis)."""

    def __init__(self, url, timeout_s, window_s):
        self.held: dict[str, str] = {}

    async def first_use(self, replay_id: str, where: str) -> str | None:
        first = self.held.setdefault(replay_id, where)
        return None if first == where else first


class Recorder:
    """A faust topic that records what is sent."""

    def __init__(self, name: str):
        self.name, self.sent = name, []

    def get_topic_name(self) -> str:
        return self.name

    async def send(self, key=None, value=None, headers=None):
        self.sent.append((key, value, headers))


@pytest.fixture(scope="module")
def world(tmp_path_factory, tiny_model) -> SimpleNamespace:
    """Settings with signing required, the gates, and one valid document per topic."""
    tmp: Path = tmp_path_factory.mktemp("keys")
    alice, ctl = new_key_pair(tmp, "alice"), new_key_pair(tmp, "controller")
    (tmp / "allow.toml").write_text(alice.allowlist_line + "\n")
    settings = Settings(_env_file=None, control_signing="required",
                        control_allowlist_path=tmp / "allow.toml",
                        controller_public_key_path=ctl.public_path)
    app = faust.App(f"fuzz-{id(tmp)}", broker="kafka://127.0.0.1:1", store="memory://")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(signature_gate, "SignatureMemory", FakeMemory)
        gate = signature_gate.RequestGate(app, settings)
        erasure_gate = signature_gate.RequestGate(app, settings, what="erasure request", warn=False)
    return SimpleNamespace(
        settings=settings, app=app, gate=gate, erasure_gate=erasure_gate,
        rollback_gate=signature_gate.RollbackGate(app, settings),
        alice=Signer("alice", load_private(alice.private_path)),
        controller=Signer("controller", load_private(ctl.private_path)),
        valid=_valid_documents(tiny_model), loop=asyncio.new_event_loop())


def _valid_documents(tiny_model) -> dict[str, dict]:
    step = BatchStep(ServingPlan(tiny_model), MemoryDedup(), OutputTopics("s", "d", None, "m"))
    lead = WholeRecord(b"L1", b'{"lead_id": "L1", "engagement_score": 50}', None, 1, 1000)
    (sample,) = [r for r in step.run(translate([lead.message("in", 0, 0)])).records
                 if r.topic == "m"]
    sample_doc = json.loads(sample.value)
    MonitorSample.model_validate(sample_doc)
    return {
        "leads.outcomes": Outcome(lead_id="L1", converted=True, deal_value=120.0,
                                  occurred_at=NOW, event_id="e1").model_dump(mode="json"),
        "models.control.requests": ControlRequest(
            request_id="r1", model_name="lead-scoring", action="start_experiment",
            mode="canary", challenger_version="4", treatment_share=0.05,
            canary_steps=(0.05, 0.25), actor="alice", requested_at=NOW).model_dump(mode="json"),
        "models.rollback": RollbackEvent(
            event_id="g1", model_name="lead-scoring", role="challenger", version="4",
            guardrail="latency_p99", evidence={"p99_ms": 180.0}, window_start=NOW,
            window_end=NOW, emitted_at=NOW).model_dump(mode="json"),
        "monitor.samples": sample_doc,
        "privacy.requests": ErasureRequest(request_id="q1", lead_id="L1", actor="alice",
                                           requested_at=NOW).model_dump(mode="json"),
        "monitor.windows": WindowInput(kind=WindowInputKind.SAMPLE, sample=sample_doc,
                                       received_ms=1000).model_dump(mode="json"),
    }


def _handler(world: SimpleNamespace, topic: str, out: Recorder) -> Handler:
    """What the agent of ``topic`` reads of a record, as the agent reads it."""
    limit, s = world.settings.max_record_bytes, world.settings
    skew = SkewTolerance.from_seconds(s.event_time_future_s, s.event_time_past_s)

    async def outcome(ev) -> None:
        decode(Outcome, ev.value)

    async def request(ev) -> None:
        await world.gate.signer(ev)
        decode(ControlRequest, ev.value)

    async def rollback(ev) -> None:
        world.rollback_gate.check(ev)
        decode(RollbackEvent, ev.value)

    async def sample(ev) -> None:
        item = WindowInput(kind=WindowInputKind.SAMPLE, sample=decode(MonitorSample, ev.value),
                           received_ms=records.received_ms(ev, skew, 1_796_000_000_000))
        await records.send(out, item.sample.model_name.encode(),
                           item.model_dump_json().encode(), limit)

    async def erasure(ev) -> None:
        await world.erasure_gate.signer(ev)
        decode(ErasureRequest, ev.value)

    async def window(ev) -> None:
        decode(WindowInput, ev.value)

    return {"leads.outcomes": outcome, "models.control.requests": request,
            "models.rollback": rollback, "monitor.samples": sample,
            "privacy.requests": erasure, "monitor.windows": window}[topic]


SIGNED_BY = {"models.control.requests": "alice", "privacy.requests": "alice",
             "models.rollback": "controller"}


TARGETS = {"streams.agents.outcomes.outcomes": "leads.outcomes",
           "streams.agents.controller.control_requests": "models.control.requests",
           "streams.agents.controller.rollbacks": "models.rollback",
           "monitor-route": "monitor.samples",
           "streams.agents.erasure.erasure_requests": "privacy.requests",
           "monitor-windows": "monitor.windows"}
"""Agent name → the topic it reads: each agent that dead-letters what it cannot read
(``test_skipped_records_fuzz`` checks these and its own targets are all the agents)."""

_RECORDS: dict[bytes, st.SearchStrategy[WholeRecord]] = {}


def records_of(valid: dict) -> st.SearchStrategy[WholeRecord]:
    """Whole records around the ``valid`` document of a topic (built once: a strategy is
    costly to build per example)."""
    text = json.dumps(valid).encode()
    if text not in _RECORDS:
        _RECORDS[text] = whole_records(st.one_of(
            st.just(text), near_valid_document(valid), near_valid_document(valid),
            arbitrary_json(), arbitrary_bytes(), big_json()))
    return _RECORDS[text]


@pytest.mark.parametrize("topic", list(TARGETS.values()))
@given(data=st.data())
def test_every_record_is_handled_or_one_dead_letter_that_fits(world, topic: str,
                                                              data: st.DataObject) -> None:
    drawn = data.draw(records_of(world.valid[topic]))
    headers = drawn.headers
    if topic in SIGNED_BY and data.draw(st.booleans()):  # a valid signature, alone or not
        signature = getattr(world, SIGNED_BY[topic]).headers(topic, drawn.key,
                                                             drawn.value or b"")
        headers = [*(headers or []), *signature] if data.draw(st.booleans()) else signature
    ev = WholeRecord(drawn.key, drawn.value, headers, drawn.timestamp_type,
                     drawn.timestamp_ms).faust_event(topic, 3, 17)
    source = "monitor.samples" if topic == "monitor.windows" else topic
    dead = DeadLetters(world.app, world.settings, all_topics()[source], "fuzz")
    if topic == "privacy.requests":
        dead.policy = PayloadPolicy.HASH
    dead.topic = letters = Recorder(dead.topic_name)  # type: ignore[assignment]
    out = Recorder("out")
    answers: list[object] = []

    async def answer(letter: RecordDeadLetter) -> None:  # the controller's alert
        alert = alert_of(letter, ev.key, None, "request")
        await records.send(out, alert.model_name.encode(), alert.model_dump_json().encode(),
                           world.settings.max_record_bytes)
        answers.append(alert)

    handled = world.loop.run_until_complete(
        guarded(dead, ev, lambda: _handler(world, topic, out)(ev), answer))

    assert len(letters.sent) == len(answers) == (0 if handled else 1)
    for key, value, _ in letters.sent + out.sent:
        assert record_size(key, value) <= world.settings.max_record_bytes
    if handled:
        event("handled")
        return
    ((key, value, _),) = letters.sent
    letter = RecordDeadLetter.model_validate_json(value)
    event(letter.reason.value)
    k = drawn.key
    assert key == (None if k is None else k[:KEY_KEPT_BYTES])
    assert letter.key_size == (None if k is None else len(k))
    assert letter.key_sha256 == (None if k is None else hashlib.sha256(k).hexdigest())
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == \
        (topic, 3, 17)
    ts = drawn.timestamp_ms
    usable = drawn.timestamp_type != 0 and 0 <= ts <= records.MAX_TIMESTAMP_MS
    assert letter.source_timestamp_ms == (ts if usable else None)
    assert letter.payload_size == len(drawn.value or b"")
    assert letter.payload_sha256 == hashlib.sha256(drawn.value or b"").hexdigest()
    if topic == "privacy.requests":
        assert letter.payload_b64 == ""
