"""Generated whole records through the agents that skip a record they cannot read (no dead
letter: the producer's record stays where it is), one target per agent: each record has
exactly one outcome and nothing raises. The handlers call the agents' own readers where
they are module functions (the progression's ``_challenger`` and ``_due``, the alert
agent's ``event_sources``, ``GuardrailAlerts``, ``alert_invalid_config``) and read each
record as the agents do otherwise.

:func:`test_every_agent_of_the_worker_is_a_target` builds the worker's app from
:data:`streams.agents.app.INSTALLERS` and compares its agents (and the topic each reads)
with the targets of this module and of :mod:`test_deadletters_fuzz`: an agent added
without a target fails it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import faust
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas.alerts import ControlAlert
from schemas.control import ModelRole, RollbackEvent, ServingConfig, ServingMode
from schemas.deadletters import RecordDeadLetter, RecordRejectReason
from schemas.monitor import GuardrailLevel, GuardrailReport
from schemas.policy import ProgressionPolicy
from schemas.retrain import RetrainReason, RetrainTrigger
from schemas.sink import SinkDeadLetter, SinkRejectReason
from scoring.control import ControlState
from scoring.experiments.progression import Progress
from streams.agents import alerts, progression, records
from streams.agents.app import build_app
from streams.agents.reports import alert_invalid_config
from streams.agents.signature_gate import ControllerRecordGate
from streams.alerting.notifier import Notifier
from streams.kafka.sizes import RecordTooLarge, record_size
from streams.settings import Settings
from tests.strategies.guardrails import build_report
from tests.strategies.records import WholeRecord
from tests.unit.streams.agents.test_deadletters_fuzz import TARGETS as DEAD_LETTER_TARGETS
from tests.unit.streams.agents.test_deadletters_fuzz import Recorder, records_of

pytestmark = pytest.mark.fuzz

NOW = datetime(2026, 1, 1, tzinfo=UTC)
MODEL = "lead-scoring"
SETTINGS = Settings(_env_file=None)
APP = faust.App("fuzz-skipped", broker="kafka://127.0.0.1:1", store="memory://")
LOOP = asyncio.new_event_loop()
CONFIG = ServingConfig(model_name=MODEL, champion_version="3", challenger_version="4",
                       mode=ServingMode.CANARY, treatment_share=0.05, experiment_id="x",
                       salt="s", canary_steps=(0.05, 0.25), sequence=2, actor="alice",
                       updated_at=NOW)
CANARY = ControlState(model_name=MODEL, config=CONFIG,
                      progress=Progress(experiment_id="x", policy=ProgressionPolicy()))
REPORT = build_report(MODEL, "4", {"latency_p95": GuardrailLevel.WARNING}, {}, NOW).model_copy(
    update={"role": ModelRole.CHALLENGER})
EVENTS = {spec.name: (contract, to_alert)
          for spec, contract, to_alert in alerts.event_sources(SETTINGS)}
VALID = {
    "monitor.guardrails": REPORT, "models.progression": REPORT, "models.control": CONFIG,
    "models.rollback": RollbackEvent(
        event_id="g1", model_name=MODEL, role="challenger", version="4",
        guardrail="latency_p99", evidence={"p99_ms": 180.0}, window_start=NOW,
        window_end=NOW, emitted_at=NOW),
    "models.alerts": ControlAlert(model_name=MODEL, kind="cooldown", message="why",
                                  source="request", actor="alice", at=NOW),
    "models.retrain": RetrainTrigger(trigger_id="t", model_name=MODEL, model_version="4",
                                     reasons=[RetrainReason.DRIFT], window_start_ms=0,
                                     window_end_ms=1, emitted_at=NOW),
    "sink.deadletter": SinkDeadLetter(reason=SinkRejectReason.CRM_REJECTED, lead_id="L1",
                                      crm_format="webhook", status_code=400, response="no",
                                      score=0.9, model_version="2", source_partition=0,
                                      source_offset=5, failed_at=NOW),
    "privacy.requests.deadletter": RecordDeadLetter(
        reason=RecordRejectReason.SIGNATURE_REFUSED, message="unsigned", agent="erasure",
        source_topic="privacy.requests", payload_b64="", payload_size=10,
        payload_sha256="0" * 64, rejected_at=NOW),
}
Handler = Callable[[object, Recorder], Awaitable[str]]


async def route(ev, out: Recorder) -> str:
    """progression-route: a challenger's report is forwarded (a tick error if too large)."""
    if progression._challenger(ev.value) is None:
        return "skipped"
    try:
        await records.send(out, ev.key, ev.value, SETTINGS.max_record_bytes)
    except RecordTooLarge:
        return "tick skipped"
    return "forwarded"


async def decide(ev, out: Recorder) -> str:
    """controller-progression: a challenger's report of a new window is decided on."""
    report = progression._challenger(ev.value)
    if report is None:
        return "skipped"
    return "due" if progression._due(CANARY, report) else "not due"


async def follow(ev, out: Recorder) -> str:
    """The reports agent's ``follow``: a forged or invalid config is answered by an alert."""
    if not (ev.key and ev.value):
        return "skipped"
    where = f"{ev.message.topic}[{ev.message.partition}]@{ev.message.offset}"
    forged = ControllerRecordGate(APP, SETTINGS).refusal(ev)
    if forged is not None:
        await alert_invalid_config(out, ev.key, ev.value, forged.message, where,
                                   "forged_config")
        return "forged"
    model = records.model_key(ev.key)
    try:
        config = ServingConfig.model_validate_json(ev.value)
        if config.model_name != model:
            raise ValueError("the record's key is not its configuration's model name")
    except ValueError as exc:
        await alert_invalid_config(out, ev.key, ev.value, str(exc), where)
        return "invalid"
    return "followed"


async def serving(ev, out: Recorder) -> str:
    """monitor-serving: a signed, valid config of a model is kept for ``status``."""
    model = records.model_key(ev.key)
    if not (model and ev.value) or ControllerRecordGate(APP, SETTINGS, True).refusal(ev):
        return "skipped"
    try:
        ServingConfig.model_validate_json(ev.value)
    except ValidationError:
        return "not kept"
    return "kept"


async def guardrail_alerts(ev, out: Recorder) -> str:
    """alerts-guardrails: a report's firing and recovered guardrails become alerts."""
    try:
        report = GuardrailReport.model_validate_json(ev.value or b"")
    except ValidationError:
        return "skipped"
    notifier = Notifier(SETTINGS, None)  # type: ignore[arg-type]  # posts nothing here
    json.dumps([a.payload() for a in notifier.guardrails.on_report(report, NOW)])
    return "alerted"


def event_alert(topic: str) -> Handler:
    """alerts-<topic>: a one-off event becomes one alert."""
    contract, to_alert = EVENTS[topic]

    async def handle(ev, out: Recorder) -> str:
        try:
            record = contract.model_validate_json(ev.value or b"")
        except ValidationError:
            return "skipped"
        json.dumps(to_alert(record, timedelta(hours=1)).payload())
        return "alerted"
    return handle


TARGETS: dict[str, tuple[str, Handler]] = {
    "progression-route": ("monitor.guardrails", route),
    "controller-progression": ("models.progression", decide),
    "streams.agents.reports.follow_control": ("models.control", follow),
    "monitor-serving": ("models.control", serving),
    "alerts-guardrails": ("monitor.guardrails", guardrail_alerts),
    **{f"alerts-{topic}": (topic, event_alert(topic)) for topic in EVENTS},
}
"""Agent name → (the topic it reads, what it does with a record)."""


def test_every_agent_of_the_worker_is_a_target() -> None:
    app = build_app(Settings(_env_file=None, alertmanager_url="http://127.0.0.1:1"))
    reads = {name: agent.channel.get_topic_name() for name, agent in app.agents.items()}
    targets = {name: topic for name, (topic, _) in TARGETS.items()} | DEAD_LETTER_TARGETS
    assert reads == targets


@pytest.mark.parametrize("agent", sorted(TARGETS))
@given(data=st.data())
def test_every_record_is_read_or_skipped(agent: str, data: st.DataObject) -> None:
    topic, handle = TARGETS[agent]
    drawn = data.draw(records_of(VALID[topic].model_dump(mode="json")))
    key = data.draw(st.sampled_from([drawn.key, MODEL.encode()]))  # also the model's own
    ev = WholeRecord(key, drawn.value, drawn.headers, drawn.timestamp_type,
                     drawn.timestamp_ms).faust_event(topic, 3, 17)
    out = Recorder("out")
    outcome = LOOP.run_until_complete(handle(ev, out))
    event(outcome)
    assert len(out.sent) == (outcome in {"forwarded", "forged", "invalid"})
    for k, v, _ in out.sent:
        assert record_size(k, v) <= SETTINGS.max_record_bytes
