"""The controller's gate: the verified signer, or a ``signature_refused`` rejection that is
counted by reason — including a copy of an accepted request at another offset (replay),
while the same offset delivered again (faust after a restart) is not a replay."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from schemas.deadletters import RecordRejectReason
from scoring.control.signing import sign
from streams.agents import signature_gate
from streams.agents.deadletters import Rejected
from streams.agents.metrics import metrics_for
from streams.control.keys import Signer, load_private, new_key_pair
from streams.settings import Settings

TOPIC = "models.control.requests"
VALUE = b'{"request_id": "r1"}'


class FakeMemory:
    def __init__(self, url, timeout_s, window_s):
        self.held: dict[str, str] = {}

    async def first_use(self, replay_id: str, where: str) -> str | None:
        first = self.held.setdefault(replay_id, where)
        return None if first == where else first


class App:
    """Anything weak-referenceable stands in for the faust app (metrics only)."""


def event(offset: int, headers, value: bytes = VALUE):
    return SimpleNamespace(key=b"m", value=value, message=SimpleNamespace(
        topic=TOPIC, partition=0, offset=offset, headers=headers))


def gate_for(tmp_path: Path, monkeypatch) -> tuple[signature_gate.RequestGate, App, object]:
    monkeypatch.setattr(signature_gate, "SignatureMemory", FakeMemory)
    alice, ctl = new_key_pair(tmp_path, "alice"), new_key_pair(tmp_path, "controller")
    allow = tmp_path / "allow.toml"
    allow.write_text(alice.allowlist_line + "\n")
    settings = Settings(_env_file=None, control_signing="required",
                        control_allowlist_path=allow, controller_public_key_path=ctl.public_path)
    app = App()
    return signature_gate.RequestGate(app, settings), app, load_private(alice.private_path)


def refused(gate, ev) -> str:
    with pytest.raises(Rejected) as info:
        asyncio.run(gate.signer(ev))
    assert info.value.reason is RecordRejectReason.SIGNATURE_REFUSED
    return info.value.message


def test_signer_replay_redelivery_and_counts(tmp_path: Path, monkeypatch) -> None:
    gate, app, alice = gate_for(tmp_path, monkeypatch)
    headers = Signer("alice", alice).headers(TOPIC, b"m", VALUE)
    assert asyncio.run(gate.signer(event(5, headers))) == "alice"
    assert asyncio.run(gate.signer(event(5, headers))) == "alice"  # redelivered: same offset
    assert refused(gate, event(9, headers)) == (
        f"control request refused (replayed): a copy of a request signed by 'alice', "
        f"first used at {TOPIC}:0:5")
    assert refused(gate, event(10, None)).startswith("control request refused (unsigned)")
    assert "(bad_signature)" in refused(gate, event(11, headers, VALUE + b" "))
    counts = {tuple(s.labels.values()): s.value
              for m in metrics_for(app).registry.collect() for s in m.samples
              if s.name == "leadstream_agent_signature_refusals_total"}
    assert counts == {(TOPIC, "replayed"): 1.0, (TOPIC, "unsigned"): 1.0,
                      (TOPIC, "bad_signature"): 1.0}


def test_rollback_events_must_carry_the_agents_own_signature(tmp_path: Path) -> None:
    alice, ctl = new_key_pair(tmp_path, "alice"), new_key_pair(tmp_path, "controller")
    settings = Settings(_env_file=None, control_signing="required",
                        controller_public_key_path=ctl.public_path)
    gate = signature_gate.RollbackGate(App(), settings)
    topic, value = "models.rollback", b'{"event_id": "e1"}'

    def rollback(headers, v: bytes = value):
        return SimpleNamespace(key=b"m", value=v, message=SimpleNamespace(
            topic=topic, partition=0, offset=3, headers=headers))

    own = Signer("controller", load_private(ctl.private_path)).headers(topic, b"m", value)
    gate.check(rollback(own))  # the guardrail's own: accepted, however old (no window)
    gate.check(rollback(own))  # and again: a repeated rollback is the controller's concern
    operator = Signer("alice", load_private(alice.private_path)).headers(topic, b"m", value)
    cases = {"unsigned": rollback(None), "unknown_key": rollback(operator),
             "bad_signature": rollback(own, b'{"event_id": "e2"}')}
    for reason, ev in cases.items():
        with pytest.raises(Rejected) as info:
            gate.check(ev)
        assert info.value.reason is RecordRejectReason.SIGNATURE_REFUSED
        assert info.value.message.startswith(f"rollback event refused ({reason})"), reason
    off = signature_gate.RollbackGate(App(), Settings(_env_file=None, control_signing="off"))
    off.check(rollback(None))  # signing off: nothing is checked


def test_a_quiet_gate_with_signing_off_checks_nothing(caplog) -> None:
    gate = signature_gate.RequestGate(App(), Settings(_env_file=None, control_signing="off"),
                              what="erasure request", warn=False)
    assert not gate.required and asyncio.run(gate.signer(event(1, None))) is None
    assert "signing is off" not in caplog.text  # the controller's gate says it once


def test_an_erasure_gate_takes_a_request_signed_days_ago_the_control_gate_does_not(
        tmp_path: Path, monkeypatch) -> None:
    """Issue 15: erasure requests are applied however late the agents read them (within
    the replay memory); the control gate keeps its 300 s window."""
    control, _app, alice = gate_for(tmp_path, monkeypatch)
    settings = Settings(_env_file=None, control_signing="required",
                        control_allowlist_path=tmp_path / "allow.toml",
                        controller_public_key_path=tmp_path / "controller.pub")
    erasure = signature_gate.RequestGate(App(), settings, what="erasure request", warn=False,
                                 window_s=settings.erasure_replay_days * 86_400,
                                 remember=False)
    now_ms = time.time_ns() // 1_000_000
    for age_s in (301, 3 * 3600, 6 * 86_400):
        headers = sign(alice, "alice", TOPIC, b"m", VALUE, now_ms - age_s * 1000)
        assert asyncio.run(erasure.signer(event(1, headers))) == "alice"
        assert asyncio.run(erasure.signer(event(2, headers))) == "alice"  # copies: by id
        assert "(too_old)" in refused(control, event(3, headers))
    too_old = sign(alice, "alice", TOPIC, b"m", VALUE, now_ms - 8 * 86_400 * 1000)
    assert refused(erasure, event(4, too_old)).startswith("erasure request refused (too_old)")
