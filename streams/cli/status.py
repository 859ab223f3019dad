"""``leadstream status``: serving configuration, guardrail states, last window's drift, latency
and model quality (AUC over the version's label window, or "no labels").

Reads what the monitor agents keep in Redis (:mod:`streams.stores.state`); when Redis is
down or empty it falls back to the topics (the last ``models.control`` record, the last
reports on ``monitor.*`` per model role/version).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
import redis
from rich.console import Console
from rich.table import Table

from schemas.control import MODELS_CONTROL
from schemas.monitor import MONITOR_DRIFT, MONITOR_GUARDRAILS, MONITOR_PERFORMANCE
from streams.cli.tail import open_consumer
from streams.kafka.topics import topic_name
from streams.settings import Settings
from streams.stores.state import read_state

KINDS = {"drift": MONITOR_DRIFT, "performance": MONITOR_PERFORMANCE,
         "guardrails": MONITOR_GUARDRAILS}
_COLOR = {"HEALTHY": "green", "WARNING": "yellow", "CRITICAL": "red", "ok": "green",
          "warn": "yellow", "critical": "red"}


def last_records(settings: Settings, topic: str, model: str, last: int = 500) -> list[dict]:
    """The values of the last ``last`` records per partition keyed by ``model``, oldest first."""
    consumer = open_consumer(settings, topic, False, last)
    out: list[dict] = []
    try:
        while msgs := consumer.consume(1000, 1.0):
            out.extend(json.loads(m.value()) for m in msgs
                       if m.error() is None and m.key() == model.encode() and m.value())
    finally:
        consumer.close()
    return out


def from_topics(settings: Settings, model: str) -> tuple[dict | None, dict[str, dict]]:
    control = last_records(settings, topic_name(settings, MODELS_CONTROL), model, 5)
    reports: dict[str, dict] = {}
    for kind, spec in KINDS.items():
        for r in last_records(settings, topic_name(settings, spec), model):
            key = f"{r['role']}|{r['model_version']}|{kind}"
            if r["window_end_ms"] >= reports.get(key, {}).get("window_end_ms", -1):
                reports[key] = r
    return (control[-1] if control else None), reports


def load(settings: Settings, model: str, console: Console) -> tuple[dict | None, dict]:
    try:
        serving, reports = read_state(settings.redis_url, 2.0, model)
    except (redis.RedisError, OSError) as exc:
        console.print(f"[yellow]Redis unavailable ({exc}); reading the topics[/]")
        return from_topics(settings, model)
    if serving is None or not reports:
        topic_serving, topic_reports = from_topics(settings, model)
        return serving or topic_serving, reports or topic_reports
    return serving, reports


def _c(text: object) -> str:
    color = _COLOR.get(str(text))
    return f"[{color}]{text}[/]" if color else str(text)


def render(console: Console, model: str, serving: dict | None, reports: dict) -> None:
    if serving:
        challenger = serving.get("challenger_version")
        console.print(
            f"[bold]{model}[/] serving champion [bold]v{serving.get('champion_version')}[/]"
            + (f", challenger v{challenger} ({serving.get('mode')}, share "
               f"{serving.get('treatment_share')})" if challenger else "")
            + f" — seq {serving.get('sequence')}, by {serving.get('actor')} at "
            f"{str(serving.get('updated_at', ''))[:19]}: {serving.get('reason') or '-'}")
    else:
        console.print(f"[bold]{model}[/]: no serving configuration on models.control")
    table = Table(title="last closed window per model role/version")
    for col in ("role", "version", "window end", "n", "guardrails", "drift", "score PSI",
                "p50 ms", "p95 ms", "p99 ms", "errors", "dead letters", "AUC"):
        table.add_column(col)
    slots = sorted({k.rsplit("|", 1)[0] for k in reports})
    for slot in slots:
        g, d, p = (reports.get(f"{slot}|{k}", {}) for k in ("guardrails", "drift", "performance"))
        role, version = slot.split("|")
        bad = [x["name"] for x in g.get("guardrails", []) if x["level"] != "HEALTHY"]
        pred = d.get("prediction") or {}
        table.add_row(role, version, _time(p.get("window_end_ms", d.get("window_end_ms"))),
                      str(p.get("n_scored", "")), _c(g.get("state", "")) + (
                          f" ({', '.join(bad)})" if bad else ""),
                      _c(d.get("verdict", "")), _f(pred.get("score_psi")),
                      _f(p.get("latency_p50_ms")), _f(p.get("latency_p95_ms")),
                      _f(p.get("latency_p99_ms")), _f(p.get("error_rate")),
                      _f(p.get("deadletter_rate")), _auc(p))
    console.print(table if slots else "no closed monitor windows yet")


def _time(ms: int | None) -> str:
    """A window end (epoch milliseconds) as UTC wall-clock time."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%H:%M:%S")


def _f(v: float | None) -> str:
    return "" if v is None else f"{v:.3g}"


def _auc(performance: dict) -> str:
    """The window's AUC, or why there is none (no labels, or too few for an AUC)."""
    if not performance:
        return ""
    if performance.get("auc") is not None:
        return f"{performance['auc']:.3f} (n={performance.get('n_labels', 0)})"
    n = performance.get("n_labels") or 0
    return f"{n} labels" if n else "no labels"


@click.command("status")
@click.option("--model", help="Model name (default: LEADSTREAM_MODEL_NAME).")
def status(model: str | None) -> None:
    """Serving configuration, guardrail states and the last window's drift and latency."""
    settings = Settings()
    console = Console()
    name = model or settings.model_name
    serving, reports = load(settings, name, console)
    render(console, name, serving, reports)
