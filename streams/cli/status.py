"""``leadstream status``: serving configuration, guardrail states, last window's drift, latency
and model quality (AUC over the version's label window, or "no labels").

Reads what the monitor agents keep in Redis (:mod:`streams.stores.state`); when Redis is
down or empty it falls back to the topics (the last ``models.control`` record, the last
reports on ``monitor.*`` per model role/version). With ``control_signing = required`` the
serving configuration is always read from ``models.control`` and verified: only records
the controller signed count, and each one it did not sign is named in a warning line (and
in ``--json`` as ``forged_control_records``).
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
from streams.cli.common import fit_columns, json_option, print_json
from streams.cli.tail import open_consumer
from streams.control.records import control_view, forged_rows
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


def windows(reports: dict) -> list[dict]:
    """The last closed window per model role/version, flat and JSON-ready (stable keys)."""
    out = []
    for slot in sorted({k.rsplit("|", 1)[0] for k in reports}):
        g, d, p = (reports.get(f"{slot}|{k}", {}) for k in ("guardrails", "drift", "performance"))
        role, version = slot.split("|")
        end_ms = p.get("window_end_ms", d.get("window_end_ms"))
        out.append({
            "role": role, "version": version, "window_end_ms": end_ms,
            "window_end": None if end_ms is None else
            datetime.fromtimestamp(end_ms / 1000, UTC).isoformat(),
            "n_scored": p.get("n_scored"), "guardrails": g.get("state"),
            "breached": [x["name"] for x in g.get("guardrails", []) if x["level"] != "HEALTHY"],
            "drift": d.get("verdict"), "score_psi": (d.get("prediction") or {}).get("score_psi"),
            **{k: p.get(k) for k in ("latency_p50_ms", "latency_p95_ms", "latency_p99_ms",
                                     "error_rate", "deadletter_rate", "auc", "n_labels")},
        })
    return out


def status_doc(model: str, serving: dict | None, reports: dict) -> dict:
    """What ``status --json`` prints: the serving configuration and the windows."""
    return {"model": model, "serving": serving, "windows": windows(reports)}


def render(console: Console, model: str, serving: dict | None, reports: dict) -> None:
    """Serving line, then the windows: one table from 120 columns, two narrower ones below
    (health; latency and quality), so an 80-column terminal shows every value."""
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
    rows = windows(reports)
    if not rows:
        console.print("no closed monitor windows yet")
        return
    title = "last closed window per model role/version"
    health = [_health(w) for w in rows]
    speed = [_speed(w) for w in rows]
    if console.width >= 120:  # one row per model role/version
        table = Table(*HEALTH, *SPEED[2:], title=title)
        for h, q in zip(health, speed, strict=True):
            table.add_row(*h, *q[2:])
        console.print(fit_columns(table, role=10, guardrails=16, AUC=14))
        return
    console.print(fit_columns(_table(HEALTH, health, title), role=10, guardrails=16))
    console.print(fit_columns(_table(SPEED, speed, "latency and quality in that window"),
                              role=10, AUC=8))


HEALTH = ("role", "v", "window end", "n", "guardrails", "drift", "score PSI")
SPEED = ("role", "v", "p50 ms", "p95 ms", "p99 ms", "errors", "dead letters", "AUC")


def _table(headers: tuple[str, ...], rows: list[list[str]], title: str) -> Table:
    table = Table(*headers, title=title)
    for row in rows:
        table.add_row(*row)
    return table


def _health(w: dict) -> list[str]:
    state = _c(w["guardrails"] or "") + (f" ({', '.join(w['breached'])})" if w["breached"] else "")
    return [w["role"], w["version"], _time(w["window_end_ms"]),
            "" if w["n_scored"] is None else str(w["n_scored"]), state, _c(w["drift"] or ""),
            _f(w["score_psi"])]


def _speed(w: dict) -> list[str]:
    return [w["role"], w["version"], _f(w["latency_p50_ms"]), _f(w["latency_p95_ms"]),
            _f(w["latency_p99_ms"]), _f(w["error_rate"]), _f(w["deadletter_rate"]),
            _auc({k: w[k] for k in ("auc", "n_labels") if w[k] is not None})]


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
@json_option
def status(model: str | None, as_json: bool) -> None:
    """Serving configuration, guardrail states and the last window's drift and latency."""
    settings = Settings()
    console = Console(stderr=as_json)  # with --json, only the document goes to stdout
    name = model or settings.model_name
    serving, reports = load(settings, name, console)
    forged: list[dict] = []
    if settings.control_signing == "required":
        view = control_view(settings, name)
        serving = view.config.model_dump(mode="json") if view.config else None
        forged = forged_rows(view)
    for f in forged[-3:]:
        console.print(f"[red]warning: models.control record at offset {f['offset']} is not "
                      f"the controller's and was ignored ({f['reason']}): {f['message']}[/]")
    if as_json:
        print_json({**status_doc(name, serving, reports), "forged_control_records": forged})
    else:
        render(console, name, serving, reports)
