"""``leadstream status``: serving configuration, then the recent closed monitor windows of
each model role/version (guardrail state, drift, latency, model quality: AUC over the
version's label window, or "no labels").

Reads what the monitor agents keep in Redis (:mod:`streams.stores.status`: the last window
per role/version and the recent windows); when Redis is down or empty it falls back to the
topics (the last ``models.control`` record, the last reports on ``monitor.*``). With
``control_signing = required`` the serving configuration is always read from
``models.control`` and verified: only records the controller signed count, and each one it
did not sign is named in a warning line (and in ``--json`` as ``forged_control_records``).

A window with fewer scored leads than the monitors' minimum n (``monitor_drift_min_n``) is
marked too small to judge; a version the serving configuration no longer names is shown as
replaced (its last window only). Values are never cut: each window is a line of fields, and
a field that does not fit moves whole to the next line.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
import redis
from rich.console import Console

from schemas.control import MODELS_CONTROL
from schemas.monitor import MONITOR_DRIFT, MONITOR_GUARDRAILS, MONITOR_PERFORMANCE
from streams.cli.common import console, json_option, packed, print_json
from streams.cli.status_windows import windows
from streams.cli.tail import open_consumer
from streams.control.records import control_view, forged_rows
from streams.kafka.topics import topic_name
from streams.settings import Settings
from streams.stores.status import RECENT_WINDOWS, read_state, serving_models

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


def from_topics(settings: Settings, model: str) -> tuple[dict | None, dict, list[dict]]:
    """The last ``models.control`` record and the recent windows, from the topics."""
    control = last_records(settings, topic_name(settings, MODELS_CONTROL), model, 5)
    found: dict[tuple[str, str, int], dict] = {}
    for kind, spec in KINDS.items():
        for r in last_records(settings, topic_name(settings, spec), model):
            found.setdefault((r["role"], str(r["model_version"]), r["window_end_ms"]),
                             {})[kind] = r
    recent = [{"role": role, "version": version, "reports": kinds}
              for (role, version, _), kinds in sorted(found.items(), key=lambda kv: -kv[0][2])]
    return (control[-1] if control else None), {}, recent[:RECENT_WINDOWS]


def load(settings: Settings, model: str, out: Console) -> tuple[dict | None, dict, list[dict]]:
    """Serving record, the last window's reports per role/version, the recent windows."""
    try:
        serving, reports, recent = read_state(settings.redis_url, 2.0, model)
    except (redis.RedisError, OSError) as exc:
        out.print(f"[yellow]Redis unavailable ({exc}); reading the topics[/]")
        return from_topics(settings, model)
    if serving is None or not (reports or recent):
        topic_serving, _, topic_recent = from_topics(settings, model)
        return serving or topic_serving, reports, recent or topic_recent
    return serving, reports, recent


def status_doc(model: str, serving: dict | None, reports: dict, recent: list[dict],
               min_n: int = 100) -> dict:
    """What ``status --json`` prints: the serving configuration and the recent windows."""
    return {"model": model, "serving": serving, "min_n": min_n,
            "windows": windows(reports, recent, serving, min_n)}


def render(out: Console, model: str, serving: dict | None, reports: dict, recent: list[dict],
           min_n: int = 100) -> None:
    """Serving line, then per model role/version its recent windows, one line of fields
    each (a field that does not fit moves whole to the next line, indented)."""
    if serving:
        challenger = serving.get("challenger_version")
        out.print(
            f"[bold]{model}[/] serving champion [bold]v{serving.get('champion_version')}[/]"
            + (f", challenger v{challenger} ({serving.get('mode')}, share "
               f"{serving.get('treatment_share')})" if challenger else "")
            + f" — seq {serving.get('sequence')}, by {serving.get('actor')} at "
            f"{str(serving.get('updated_at', ''))[:19]}: {serving.get('reason') or '-'}")
    else:
        out.print(f"[bold]{model}[/]: no serving configuration on models.control (scorers "
                  f"serve the registry's champion alias until a promote)")
    rows = windows(reports, recent, serving, min_n)
    if not rows:
        out.print("no closed monitor windows yet")
        return
    out.print(f"recent closed windows, newest first (UTC; n below {min_n}: too small to judge)")
    slot = None
    for w in rows:
        if (w["role"], w["version"]) != slot:
            slot = (w["role"], w["version"])
            replaced = "" if w["in_service"] else " [dim](replaced: no longer served)[/]"
            out.print(f"[bold]{w['role']} v{w['version']}[/]{replaced}")
        for line in packed(_fields(w), out.width, indent=2, hang=10):
            out.print(line)


def _fields(w: dict) -> list[str]:
    n = "" if w["n_scored"] is None else str(w["n_scored"])
    small = " [yellow](too small to judge)[/]" if w["too_small"] else ""
    state = _c(w["guardrails"] or "-") + (f" ({', '.join(w['breached'])})"
                                          if w["breached"] else "")
    latency = "/".join(_f(w[k]) or "-" for k in ("latency_p50_ms", "latency_p95_ms",
                                                  "latency_p99_ms"))
    return [_time(w["window_end_ms"]), f"n={n}{small}", f"guardrails {state}",
            f"drift {_c(w['drift'] or '-')}", f"score PSI {_f(w['score_psi']) or '-'}",
            f"p50/p95/p99 {latency} ms", f"errors {_f(w['error_rate']) or '-'}",
            f"dead letters {_f(w['deadletter_rate']) or '-'}",
            f"AUC {_auc({k: w[k] for k in ('auc', 'n_labels') if w[k] is not None}) or '-'}"]


def _c(text: object) -> str:
    color = _COLOR.get(str(text))
    return f"[{color}]{text}[/]" if color else str(text)


def _time(ms: int | None) -> str:
    """A window end (epoch milliseconds) as UTC wall-clock time."""
    if ms is None:
        return "--:--:--"
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


def other_models(settings: Settings, model: str) -> list[str]:
    """Models with a serving configuration in Redis, other than ``model`` (none if Redis
    cannot be read)."""
    try:
        return [m for m in serving_models(settings.redis_url, 2.0) if m != model]
    except (redis.RedisError, OSError):
        return []


@click.command("status")
@click.option("--model", help="Model name (default: LEADSTREAM_MODEL_NAME).")
@json_option
def status(model: str | None, as_json: bool) -> None:
    """Serving configuration, then guardrail states, drift, latency and AUC of the recent
    monitor windows."""
    settings = Settings()
    out = console(stderr=as_json)  # with --json, only the document goes to stdout
    name = model or settings.model_name
    serving, reports, recent = load(settings, name, out)
    forged: list[dict] = []
    if settings.control_signing == "required":
        view = control_view(settings, name)
        serving = view.config.model_dump(mode="json") if view.config else None
        forged = forged_rows(view)
    for f in forged[-3:]:
        out.print(f"[red]warning: models.control record at offset {f['offset']} is not "
                  f"the controller's and was ignored ({f['reason']}): {f['message']}[/]")
    min_n = settings.monitor_drift_min_n
    if as_json:
        print_json({**status_doc(name, serving, reports, recent, min_n),
                    "forged_control_records": forged})
        return
    render(out, name, serving, reports, recent, min_n)
    if serving is None:
        for other in other_models(settings, name):
            out.print(f"{other} has one: [bold]leadstream status --model {other}[/]")
