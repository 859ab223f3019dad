"""The monitor agents: ``monitor.samples`` → event-time windows → reports and rollbacks.

* ``monitor-route`` reads ``monitor.samples`` (any partition, any number of scorers),
  validates each record and forwards it to the one-partition internal ``monitor.windows``
  topic, so every model's windows live in one place; a record that cannot be read (or
  fails in either agent) goes to ``monitor.samples.deadletter`` and is skipped;
* a timer adds a clock tick to ``monitor.windows`` every ``monitor_tick_s`` (a failed
  tick is counted and skipped);
* ``monitor-windows`` merges samples into windows kept in changelog-backed tables and,
  on every record, closes the windows the watermark (or the idle fallback) has passed,
  publishing ``monitor.drift``, ``monitor.performance``, ``monitor.guardrails`` and, when a
  guardrail demands it, ``models.rollback`` / ``models.retrain``; model quality comes from
  the label window and the A/B guardrail from the experiment's state, both in Redis;
* ``monitor-serving`` keeps the last ``models.control`` record in Redis for ``status``.

``python -m streams.agents.monitor worker`` runs only these agents (tests, debugging).
"""

from __future__ import annotations

import logging
import time

import faust

from monitors.event_time import SkewTolerance
from monitors.quality import QualityRule
from schemas.control import MODELS_CONTROL, MODELS_ROLLBACK
from schemas.monitor import (
    MONITOR_DRIFT,
    MONITOR_GUARDRAILS,
    MONITOR_PERFORMANCE,
    MONITOR_SAMPLES,
    MonitorSample,
)
from schemas.monitor_windows import MONITOR_WINDOWS, WindowInput, WindowInputKind
from schemas.retrain import MODELS_RETRAIN
from streams.agents.deadletters import DeadLetters, decode, guarded, guarded_timer
from streams.agents.metrics import metrics_for
from streams.agents.records import model_key, received_ms
from streams.agents.records import send as send_checked
from streams.agents.signature_gate import ControllerRecordGate
from streams.alerting.scrape import register_target
from streams.control.keys import controller_signer
from streams.kafka.topics import topic_name
from streams.monitor.config import monitor_config
from streams.monitor.metrics import MonitorMetrics
from streams.monitor.runtime import WindowAgent
from streams.monitor.sources import ExperimentSignal, RedisLabels
from streams.settings import Settings
from streams.stores.experiments import policy_from
from streams.stores.labels import LabelWindow
from streams.stores.ledger import redis_client
from streams.stores.status import StateWriter

log = logging.getLogger(__name__)
_RAW = {"key_serializer": "raw", "value_serializer": "raw"}
OUTPUTS = {"drift": MONITOR_DRIFT, "performance": MONITOR_PERFORMANCE,
           "guardrails": MONITOR_GUARDRAILS, "rollback": MODELS_ROLLBACK,
           "retrain": MODELS_RETRAIN}
TICK_KEY = b"__tick__"


def outcome_sources(settings: Settings, metrics: MonitorMetrics):
    """The label window and A/B verdict readers (Redis), errors counted as ``redis``."""
    client = redis_client(settings.redis_url, max(settings.redis_timeout_s, 2.0))

    def on_error(exc: Exception) -> None:
        metrics.errors.labels("redis").inc()

    labels = RedisLabels(LabelWindow(client, settings.monitor_label_window),
                         QualityRule(settings.monitor_min_labels), on_error)
    return labels, ExperimentSignal(client, policy_from(settings), on_error)


def install(app: faust.App, settings: Settings) -> None:
    metrics = MonitorMetrics(metrics_for(app).registry)
    dead = DeadLetters(app, settings, MONITOR_SAMPLES, "monitor")
    if settings.monitor_metrics_port:
        metrics.serve(settings.monitor_metrics_port)
        register_target(settings, "agents", settings.monitor_metrics_port)
    samples = app.topic(topic_name(settings, MONITOR_SAMPLES), **_RAW)
    windows_topic = app.topic(topic_name(settings, MONITOR_WINDOWS), partitions=1, **_RAW)
    control = app.topic(topic_name(settings, MODELS_CONTROL), **_RAW)
    control_gate = ControllerRecordGate(app, settings, quiet=True)  # reports.py alerts
    outputs = {k: app.topic(topic_name(settings, t), **_RAW) for k, t in OUTPUTS.items()}
    windows = app.Table("monitor-windows", default=None, partitions=1)
    versions = app.Table("monitor-versions", default=None, partitions=1)
    store = StateWriter(settings.redis_url, settings.redis_timeout_s)

    signer = controller_signer(settings)  # guardrails sign their rollback events
    limit = settings.max_record_bytes
    skew = SkewTolerance.from_seconds(settings.event_time_future_s, settings.event_time_past_s)
    rollback_topic = topic_name(settings, MODELS_ROLLBACK)

    async def send(output: str, key: str, value: bytes) -> None:
        raw_key = key.encode()
        headers = (signer.headers(rollback_topic, raw_key, value)
                   if signer and output == "rollback" else None)
        await send_checked(outputs[output], raw_key, value, limit, headers)

    labels, ab = outcome_sources(settings, metrics)
    agent = WindowAgent(settings, monitor_config(settings), windows, versions,
                        send, labels, store, metrics, ab)

    async def route_one(event) -> None:
        sample = decode(MonitorSample, event.value)
        item = WindowInput(kind=WindowInputKind.SAMPLE, sample=sample,
                           received_ms=received_ms(event, skew, int(time.time() * 1000)))
        await send_checked(windows_topic, sample.model_name.encode(),
                           item.model_dump_json().encode(), limit)

    async def unreadable(_letter) -> None:
        metrics.samples.labels("unreadable").inc()

    @app.agent(samples, name="monitor-route")
    async def route(stream):
        async for event in stream.events():
            await guarded(dead, event, lambda e=event: route_one(e), unreadable)

    async def window_one(event) -> None:
        item = decode(WindowInput, event.value)
        await agent.on_input(item, int(time.time() * 1000))

    @app.agent(windows_topic, name="monitor-windows")
    async def window(stream):
        async for event in stream.events():
            await guarded(dead, event, lambda e=event: window_one(e))

    @app.timer(settings.monitor_tick_s)
    @guarded_timer(app, "monitor-tick")
    async def tick() -> None:
        item = WindowInput(kind=WindowInputKind.TICK, received_ms=int(time.time() * 1000))
        await send_checked(windows_topic, TICK_KEY, item.model_dump_json().encode(), limit)

    @app.agent(control, name="monitor-serving")
    async def serving(stream):
        async for event in stream.events():
            model = model_key(event.key)
            if model and event.value and control_gate.refusal(event) is None:
                await agent.store_serving(model, event.value)


if __name__ == "__main__":
    import sys

    from streams.agents.app import build_app

    if "worker" in sys.argv[1:] and "--without-web" not in sys.argv:
        sys.argv.append("--without-web")  # faust's CLI worker would bind 0.0.0.0:6066
    build_app(Settings(), ("streams.agents.monitor",)).main()
