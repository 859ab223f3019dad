"""The controller against the real broker and MLflow: requests from the CLI, promotion,
rollback (manual and from guardrails), refusals and the audit history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from schemas.control import ControlAction, ControlRequest, ModelRole, RollbackEvent, ServingMode
from scoring.experiments.shadow import shadow_comparisons
from scoring.grades import GradeScale
from scoring.registry import ModelRegistry
from streams.control.client import ServingConfigFeed, alerts, history, latest_config, submit
from streams.kafka.reader import produce_one
from streams.settings import Settings
from tests.integration.agents_support import AgentsProcess, registered_versions, run_cli
from tests.integration.helpers import wait_until


@pytest.fixture
def control(make_settings, tmp_path: Path):
    settings: Settings = make_settings(
        home=tmp_path, mlflow_tracking_uri=f"sqlite:///{tmp_path}/mlflow.db",
        rollback_cooldown_s=0.0, control_wait_s=60.0)
    versions = registered_versions(settings, 3)
    with AgentsProcess(settings, tmp_path / "agents.log") as agents:
        yield settings, versions, agents


def _registry(settings: Settings) -> ModelRegistry:
    return ModelRegistry(settings.tracking_uri, settings.model_name, settings.model_cache_dir,
                         settings.artifact_root)


def _request(settings: Settings, action: str, **kw) -> ControlRequest:
    return ControlRequest(request_id=uuid.uuid4().hex, model_name=settings.model_name,
                          action=action, actor="pytest", requested_at=datetime.now(UTC), **kw)


def _rollback_event(settings: Settings, version: str, role: str) -> RollbackEvent:
    now = datetime.now(UTC)
    return RollbackEvent(event_id=uuid.uuid4().hex, model_name=settings.model_name,
                         role=ModelRole(role), version=version, guardrail="error_rate",
                         evidence={"error_rate": 0.3, "critical": 0.05},
                         window_start=now, window_end=now, emitted_at=now)


def test_start_ab_from_cli_sets_config_and_aliases(control):
    settings, _, agents = control
    feed_before = latest_config(settings, settings.model_name)
    assert feed_before is None
    out = run_cli(settings, "experiment", "start", "--mode", "ab", "--challenger", "2",
                  "--share", "0.3", "--reason", "try v2")
    assert out.exit_code == 0, out.output + agents.text()[-3000:]
    config = latest_config(settings, settings.model_name)
    assert config.mode is ServingMode.AB and config.treatment_share == 0.3
    assert (config.champion_version, config.challenger_version) == ("1", "2")
    assert config.experiment_id and config.salt and config.sequence == 1
    assert config.actor and config.reason == "try v2"
    registry = _registry(settings)
    assert registry.alias_version("champion") == "1"
    assert registry.alias_version("challenger") == "2"


def test_promote_then_rollback_with_history_and_refusal(control):
    settings, _, _agents = control
    feed = ServingConfigFeed(settings, settings.model_name)
    assert submit(settings, _request(settings, "start_experiment", mode="canary",
                                     challenger_version="2", canary_steps=(0.05, 0.5))).config
    stepped = submit(settings, _request(settings, "next_step")).config
    assert stepped.treatment_share == 0.5
    promoted = submit(settings, _request(settings, "promote_challenger")).config
    assert promoted.champion_version == "2" and promoted.previous_champion_version == "1"
    assert _registry(settings).alias_version("challenger") is None
    wait_until(lambda: (feed.poll() or True) and feed.current().sequence == 3, 30, "feed")
    out = run_cli(settings, "models", "rollback", "--reason", "v2 looks wrong")
    assert out.exit_code == 0, out.output
    assert latest_config(settings, settings.model_name).champion_version == "1"
    assert _registry(settings).alias_version("champion") == "1"
    refused = submit(settings, _request(settings, ControlAction.ROLLBACK, version="2"))
    assert refused.alert is not None and refused.alert.kind == "rolled_back_target"
    entries = history(settings, settings.model_name)
    assert [e.action for e in entries] == ["start_experiment", "next_step",
                                           "promote_challenger", "rollback"]
    assert entries[-1].before.champion_version == "2" and entries[-1].after.champion_version == "1"
    shown = run_cli(settings, "models", "history")
    assert "rollback" in shown.output and "v2 looks wrong" in shown.output
    feed.close()


def test_rollback_event_during_ab_stops_it_and_alerts_when_nothing_left(control):
    settings, _, _agents = control
    started = submit(settings, _request(settings, "start_experiment", mode="ab",
                                        challenger_version="3")).config
    event = _rollback_event(settings, "3", "challenger")
    for _ in range(2):  # redelivered: applied once
        produce_one(settings, settings.topic_models_rollback, settings.model_name,
                    event.model_dump_json().encode())
    wait_until(lambda: latest_config(settings, settings.model_name).sequence > started.sequence,
               30, "the rollback to be applied")
    config = latest_config(settings, settings.model_name)
    assert config.mode is ServingMode.OFF and config.treatment_share == 0
    assert config.champion_version == "1" and config.actor == "guardrail:error_rate"
    champion_breach = _rollback_event(settings, "1", "champion")
    produce_one(settings, settings.topic_models_rollback, settings.model_name,
                champion_breach.model_dump_json().encode())
    wait_until(lambda: any(a.request_id == champion_breach.event_id
                           for a in alerts(settings, settings.model_name)), 30, "an alert")
    kinds = {a.request_id: a.kind for a in alerts(settings, settings.model_name)}
    assert kinds[champion_breach.event_id] == "nothing_to_roll_back"
    actions = [e.action for e in history(settings, settings.model_name)]
    assert actions.count("rollback") == 1 and "alert:nothing_to_roll_back" in actions
    assert latest_config(settings, settings.model_name).sequence == config.sequence


def test_cli_session_shadow_then_ab_report_promote(control):
    settings, _, agents = control
    out = run_cli(settings, "experiment", "start", "--mode", "shadow", "--challenger", "2")
    assert out.exit_code == 0, out.output + agents.text()[-2000:]
    records = shadow_comparisons(settings.model_name, ["a", "b", "c"], [None] * 3, "1", "2",
                                 np.array([0.9, 0.4, 0.1]), np.array([0.7, 0.45, 0.2]), 1.0,
                                 2.0, GradeScale(), datetime.now(UTC))
    for r in records:
        produce_one(settings, settings.topic_scores_shadow, r.lead_id,
                    r.model_dump_json().encode())
    summary = run_cli(settings, "experiment", "shadow-summary")
    assert summary.exit_code == 0 and "0.1167" in summary.output, summary.output
    assert run_cli(settings, "experiment", "stop").exit_code == 0
    out = run_cli(settings, "experiment", "start", "--mode", "ab", "--challenger", "2")
    assert out.exit_code == 0, out.output
    report = run_cli(settings, "experiment", "report")
    assert report.exit_code == 0 and "continue" in report.output, report.output
    assert run_cli(settings, "experiment", "promote").exit_code == 0
    shown = run_cli(settings, "models", "show")
    assert "champion v2" in shown.output and "mode off" in shown.output, shown.output
