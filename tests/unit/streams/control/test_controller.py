"""The controller's side effects with a fake registry: alias sync, duplicates, alerts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from schemas.control import ControlRequest, GuardrailDemand, ModelRole, RollbackEvent
from schemas.errors import ModelUnavailable
from scoring.control import ControlState
from streams.control.controller import ControllerCore
from streams.settings import Settings

NOW = datetime(2025, 3, 1, tzinfo=UTC)


class FakeRegistry:
    def __init__(self, champion: str | None = "1", fail: bool = False,
                 versions: frozenset[str] = frozenset({"1", "2", "3"})):
        self.aliases: dict[str, str] = {"champion": champion} if champion else {}
        self.fail = fail
        self.versions = versions
        self.loaded: list[str] = []

    def load_version(self, version: str) -> object:
        self.loaded.append(version)
        if version not in self.versions:
            raise ModelUnavailable(f"no version {version}")
        return object()

    def alias_version(self, alias: str) -> str | None:
        return self.aliases.get(alias)

    def set_alias(self, alias: str, version: str) -> None:
        if self.fail:
            raise ConnectionError("mlflow down")
        self.aliases[alias] = version

    def delete_alias(self, alias: str) -> None:
        self.aliases.pop(alias, None)


def core(registry: FakeRegistry) -> ControllerCore:
    return ControllerCore(Settings(_env_file=None), registry_for=lambda _name: registry)


def request(action: str, request_id: str = "r1", **kw) -> ControlRequest:
    return ControlRequest(request_id=request_id, model_name="m", action=action, actor="bob",
                          requested_at=NOW, **kw)


def test_start_moves_aliases_and_duplicate_republishes():
    registry = FakeRegistry()
    c = core(registry)
    r = request("start_experiment", mode="ab", challenger_version="2")
    t, pub = asyncio.run(c.on_request(ControlState(model_name="m"), r))
    assert pub.config.challenger_version == "2" and pub.audit.request_id == "r1"
    assert registry.aliases == {"champion": "1", "challenger": "2"} and not pub.alerts
    _, again = asyncio.run(c.on_request(t.state, r))
    assert again.config == pub.config and again.audit == pub.audit
    _, pub2 = asyncio.run(c.on_request(t.state, request("promote_challenger", "r2")))
    assert registry.aliases == {"champion": "2"} and pub2.config.champion_version == "2"


def test_alias_failure_is_an_alert_not_a_lost_change():
    c = core(FakeRegistry(fail=True))
    _, pub = asyncio.run(c.on_request(ControlState(model_name="m"),
                                      request("promote_version", version="2")))
    assert pub.config.champion_version == "2"
    assert [a.kind for a in pub.alerts] == ["alias_sync_failed"]


def test_refused_rollback_is_alerted_and_audited():
    c = core(FakeRegistry())
    t, _ = asyncio.run(c.on_request(ControlState(model_name="m"),
                                    request("start_experiment", mode="shadow",
                                            challenger_version="2")))
    event = RollbackEvent(event_id="e1", model_name="m", role=ModelRole.CHAMPION, version="1",
                          guardrail="latency_p95", window_start=NOW, window_end=NOW,
                          emitted_at=NOW)
    _, pub = asyncio.run(c.on_rollback(t.state, event))
    assert pub.config is None and pub.alerts[0].kind == "nothing_to_roll_back"
    assert pub.audit.action == "alert:nothing_to_roll_back"
    assert pub.audit.before == pub.audit.after == t.state.config


def test_unknown_version_is_refused_before_anything_changes():
    registry = FakeRegistry()
    c = core(registry)
    t, _ = asyncio.run(c.on_request(ControlState(model_name="m"),
                                    request("promote_version", "r0", version="2")))
    for i, (action, kw) in enumerate([("promote_version", {"version": "21"}),
                                      ("start_experiment", {"mode": "ab",
                                                            "challenger_version": "21"}),
                                      ("start_experiment", {"mode": "shadow",
                                                            "challenger_version": "21"}),
                                      ("rollback", {"version": "21"})]):
        after, pub = asyncio.run(c.on_request(t.state, request(action, f"r{i + 1}", **kw)))
        assert pub.config is None and pub.audit is None
        assert [a.kind for a in pub.alerts] == ["unknown_version"]
        assert "version 21 of m does not exist" in pub.alerts[0].message
        assert after.state.config == t.state.config
    assert registry.aliases == {"champion": "2"}
    assert registry.loaded == ["2", "21", "21", "21", "21"]


def test_an_srm_stop_is_applied_and_alerted_as_srm():
    c = core(FakeRegistry())
    started, _ = asyncio.run(c.on_request(
        ControlState(model_name="m"), request("start_experiment", mode="ab",
                                              challenger_version="2")))
    stop = RollbackEvent(event_id="srm1", model_name="m", role=ModelRole.CHALLENGER,
                         version="2", guardrail="srm", demand=GuardrailDemand.STOP_INVALID,
                         evidence={"srm_p_value": 1e-6}, window_start=NOW, window_end=NOW,
                         emitted_at=NOW)
    t, pub = asyncio.run(c.on_rollback(started.state, stop))
    assert pub.config.mode.value == "off" and pub.audit.action == "stop_experiment"
    assert [a.kind for a in pub.alerts] == ["srm"]
    assert pub.alerts[0].request_id == "srm1" and pub.alerts[0].actor == "guardrail:srm"
    assert t.state.rolled_back == frozenset()
