"""The alert agent: leadstream's events → Prometheus Alertmanager (``/api/v2/alerts``).

Reads the topics the events are already on — ``monitor.guardrails`` (guardrail states),
``models.rollback``, ``models.alerts`` (control refusals), ``models.retrain``,
``sink.deadletter`` (sink failures) and ``privacy.requests.deadletter`` (erasures refused) —
and posts them through :class:`~streams.alerting.notifier.Notifier`; a timer posts the firing
guardrail alerts again every ``alert_resend_s``. Installed only when
``LEADSTREAM_ALERTMANAGER_URL`` is set. Routing, grouping, inhibition and silences are
Alertmanager's (``examples/alertmanager.yml``). A record that does not decode is counted
(``leadstream_alerts_unreadable_records_total{topic}``), logged and skipped: it stays on its
topic, which is where its producer put it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import faust
from pydantic import BaseModel, ValidationError

from schemas.alerts import MODELS_ALERTS, ControlAlert
from schemas.control import MODELS_ROLLBACK, RollbackEvent
from schemas.deadletters import DEADLETTER_TOPICS, RecordDeadLetter
from schemas.monitor import MONITOR_GUARDRAILS, GuardrailReport
from schemas.privacy import PRIVACY_REQUESTS
from schemas.retrain import MODELS_RETRAIN, RetrainTrigger
from schemas.sink import SINK_DEADLETTER, SinkDeadLetter
from schemas.topics import TopicSpec
from streams.agents.deadletters import RAW, guarded_timer
from streams.agents.metrics import metrics_for
from streams.alerting.alert import Alert
from streams.alerting.client import AlertmanagerClient, AlertMetrics
from streams.alerting.events import (
    erasure_refused_alert,
    refusal_alert,
    retrain_alert,
    rollback_alert,
    sink_failure_alert,
)
from streams.alerting.notifier import Notifier
from streams.kafka.topics import topic_name
from streams.settings import Settings

log = logging.getLogger(__name__)


def event_sources(settings: Settings) -> list[tuple[TopicSpec, type[BaseModel],
                                                     Callable[[BaseModel, timedelta], Alert]]]:
    """Each one-off event topic, its contract and its alert."""
    return [
        (MODELS_ROLLBACK, RollbackEvent, rollback_alert),
        (MODELS_ALERTS, ControlAlert, refusal_alert),
        (MODELS_RETRAIN, RetrainTrigger, retrain_alert),
        (SINK_DEADLETTER, SinkDeadLetter,
         lambda letter, ttl: sink_failure_alert(letter, settings.model_name, ttl)),
        (DEADLETTER_TOPICS[PRIVACY_REQUESTS.name], RecordDeadLetter, erasure_refused_alert),
    ]


def install(app: faust.App, settings: Settings) -> None:
    if not settings.alertmanager_url:
        log.info("LEADSTREAM_ALERTMANAGER_URL is empty: events are not posted as alerts")
        return
    metrics = AlertMetrics(metrics_for(app).registry)
    notifier = Notifier(settings, AlertmanagerClient(settings.alertmanager_url,
                                                     settings.alert_timeout_s, metrics))

    def read(name: str, contract: type[BaseModel], raw: bytes | None) -> BaseModel | None:
        try:
            return contract.model_validate_json(raw or b"")
        except ValidationError as exc:
            metrics.unreadable.labels(name).inc()
            log.warning("unreadable record on %s skipped: %d error(s)", name, exc.error_count())
            return None

    guardrails = topic_name(settings, MONITOR_GUARDRAILS)

    @app.agent(app.topic(guardrails, **RAW), name="alerts-guardrails")
    async def guardrail_states(stream: faust.StreamT) -> None:
        async for event in stream.events():
            report = read(guardrails, GuardrailReport, event.value)
            if isinstance(report, GuardrailReport):
                await notifier.guardrail_report(report)

    for spec, contract, to_alert in event_sources(settings):
        _install_events(app, topic_name(settings, spec), contract, to_alert, notifier, read)

    @app.timer(settings.alert_resend_s)
    @guarded_timer(app, "alert-resend")
    async def resend() -> None:
        await notifier.resend()


def _install_events(app: faust.App, name: str, contract: type[BaseModel],
                    to_alert: Callable[[BaseModel, timedelta], Alert], notifier: Notifier,
                    read: Callable[[str, type[BaseModel], bytes | None], BaseModel | None]
                    ) -> None:
    @app.agent(app.topic(name, **RAW), name=f"alerts-{name}")
    async def events(stream: faust.StreamT) -> None:
        async for event in stream.events():
            record = read(name, contract, event.value)
            if record is not None:
                await notifier.event(to_alert(record, notifier.ttl))
