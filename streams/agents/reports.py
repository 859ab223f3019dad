"""Experiment reports on ``experiments.reports``: every ``report_interval_s`` and on demand.

The agent follows ``models.control`` into a changelog-backed table (model → config) and,
on each tick, takes one look (:func:`publish_look`) at every running canary or A/B.
``leadstream experiment report`` only prints a look (read only, any principal);
``--publish`` calls :func:`publish_look` as the agent does. A report only reports: a canary
advances and promotes on its own under a progression policy, applied by the controller
(:mod:`streams.agents.progression`; ``LEADSTREAM_AUTO_PROMOTE`` was removed for it).

A ``models.control`` record that is no valid configuration is counted and answered with
one ``invalid_config`` alert on ``models.alerts``, and the last valid one stays in the
table. A look that fails (Redis or Kafka down, a bad record on ``monitor.guardrails``) is
a skipped look for that model, counted and logged: the worker goes on.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import faust

from schemas.alerts import ControlAlert
from schemas.control import ServingConfig, ServingMode
from schemas.experiments import ExperimentReport
from streams.agents.deadletters import RAW, run_tick
from streams.agents.metrics import metrics_for
from streams.agents.records import model_key, send
from streams.agents.signature_gate import ControllerRecordGate
from streams.kafka.io import MAX_RECORD_BYTES
from streams.kafka.reader import produce_one
from streams.settings import Settings
from streams.stores.experiments import keep_look, look_now

log = logging.getLogger(__name__)


def publish_look(settings: Settings, config: ServingConfig) -> ExperimentReport:
    """Take a look at ``config``'s experiment, publish it and keep it as the sequential
    state (blocking; the agent, and ``experiment report --publish``). Published first: a
    principal that may not publish is refused before anything changes."""
    report = look_now(settings, config)
    produce_one(settings, settings.topic_experiments_reports, report.experiment_id,
                report.model_dump_json().encode())
    keep_look(settings, report)
    return report


async def alert_invalid_config(alerts: faust.TopicT, key: bytes, value: bytes,
                               problem: str, where: str, kind: str = "invalid_config") -> None:
    """One alert on ``models.alerts`` for a ``models.control`` record that is no valid
    configuration, or (``forged_config``) one the controller did not sign: scorers log it
    and keep the configuration they serve."""
    model = key.decode(errors="replace")[:128] or "?"
    what = "invalid" if kind == "invalid_config" else "unsigned or forged"
    alert = ControlAlert(model_name=model, kind=kind, source="control",
                         message=f"{what} models.control record at {where} ignored "
                                 f"({len(value)} bytes): {problem[:1500]}",
                         actor="unknown", at=datetime.now(UTC))
    await send(alerts, model.encode(), alert.model_dump_json().encode(), MAX_RECORD_BYTES)


def install(app: faust.App, settings: Settings) -> None:
    serving = app.Table("serving-configs", default=str, partitions=1)
    alerts = app.topic(settings.topic_models_alerts, **RAW)
    metrics = metrics_for(app)
    gate = ControllerRecordGate(app, settings)

    async def follow(event) -> None:
        msg = event.message
        where = f"{msg.topic}[{msg.partition}]@{msg.offset}"
        forged = gate.refusal(event)
        if forged is not None:
            await alert_invalid_config(alerts, event.key, event.value,
                                       f"{forged.reason.value}: {forged.message}", where,
                                       "forged_config")
            return
        model = model_key(event.key)
        try:
            config = ServingConfig.model_validate_json(event.value)
            if config.model_name != model:
                raise ValueError("the record's key is not its configuration's model name")
        except ValueError as exc:  # a ValidationError, or a key that is no model name
            metrics.invalid_configs.inc()
            log.error("invalid serving config at %s ignored: %s", where, str(exc)[:500])
            await alert_invalid_config(alerts, event.key, event.value, str(exc), where)
            return
        serving[model] = event.value.decode()

    @app.agent(app.topic(settings.topic_models_control, **RAW))
    async def follow_control(stream: faust.StreamT) -> None:
        async for event in stream.events():
            if event.key and event.value:
                try:
                    await follow(event)
                except Exception:  # never a dead agent; the record was logged
                    metrics.timer_errors.labels("follow-control", "other").inc()
                    log.exception("following models.control failed on one record")

    @app.timer(interval=settings.report_interval_s)
    async def report_experiments() -> None:
        await report_all(app, settings, list(serving.items()))


async def report_one(settings: Settings, model: str, raw: str) -> None:
    """One look at the model's experiment, if a canary or A/B runs (blocking steps in threads)."""
    config = ServingConfig.model_validate_json(raw)
    if config.mode not in (ServingMode.CANARY, ServingMode.AB):
        return
    report = await asyncio.to_thread(publish_look, settings, config)
    log.info("experiment %s of %s: %s", report.experiment_id, model,
             report.recommendation.value)


async def report_all(app: faust.App, settings: Settings, configs: list[tuple[str, str]]) -> int:
    """One tick: a look per model; a failed look (Redis, Kafka, a bad record) is skipped,
    counted and logged, and the other models still get theirs. Returns the looks taken."""
    done = 0
    for model, raw in configs:
        done += await run_tick(app, "experiment-report",
                               lambda m=model, r=raw: report_one(settings, m, r))
    return done
