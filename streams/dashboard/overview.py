"""The overview page: serving configuration, guardrail states with their evidence,
throughput, latency percentiles, error and dead-letter rates, liveness, recent rollbacks;
then the operations panels from Prometheus (:mod:`streams.dashboard.ops`): dead letters by
reason, consumer lag per group, every process's liveness, the sink's counts."""

from __future__ import annotations

import time

from streams.dashboard.charts import chart, downsample, fmt, table
from streams.dashboard.history import Snapshot
from streams.dashboard.ops import ops_panels

STALE_AFTER_WINDOWS = 3
"""A process whose last sign is older than this many windows (plus lateness) counts as
silent (no traffic looks the same as a stopped scorer: both are named)."""


def serving_card(serving: dict | None) -> dict:
    if not serving:
        return {"title": "Serving", "lines": ["no serving configuration on models.control yet"]}
    challenger = serving.get("challenger_version")
    return {"title": "Serving", "lines": [
        f"champion v{serving['champion_version']}",
        f"challenger v{challenger}" if challenger else "no challenger",
        f"mode {serving.get('mode')}, challenger share {serving.get('treatment_share', 0):.0%}"
        + (f", canary steps {', '.join(f'{s:.0%}' for s in serving['canary_steps'])}"
           if serving.get("canary_steps") else ""),
        f"sequence {serving.get('sequence')} by {serving.get('actor')} at "
        f"{str(serving.get('updated_at', ''))[:19]}: {serving.get('reason') or '-'}"]}


def guardrail_table(snap: Snapshot) -> dict:
    rows = []
    for (role, version), g in sorted(snap.latest["guardrails"].items()):
        for s in g["guardrails"]:
            rows.append([role, version, s["name"], s["level"], s["metric"], s["value"],
                         s["warn"], s["critical"], s["breach_streak"], s["action"]])
    return table("guardrails", "Guardrail states and the evidence that set them",
                 ["role", "version", "guardrail", "state", "metric", "value", "warn at",
                  "critical at", "breach streak", "action"], rows)


def liveness(snap: Snapshot, window_s: float, now_s: float | None = None) -> dict:
    now = time.time() if now_s is None else now_s
    perf = snap.latest["performance"].values()
    last_scored = max([snap.last_sample_ms] + [r["window_end_ms"] for r in perf
                                               if r["n_scored"]])
    last_report = snap.last_report_ms
    limit = STALE_AFTER_WINDOWS * window_s

    def state(ms: int) -> str:
        if not ms:
            return "never seen"
        age = now - ms / 1000
        return f"{'alive' if age <= limit else 'silent'} (last sign {age:.0f} s ago)"

    return {"title": "Liveness", "lines": [
        f"scorer: {state(last_scored)} — from its monitor samples and windows",
        f"monitor agents: {state(last_report)} — from their window reports",
        "Redis state: " + {True: "readable", False: "unreachable", None: "not read yet"}[
            snap.redis_ok],
        "every process's scrape state, and the sink's: Liveness (Prometheus up)"]}


def overview(snap: Snapshot, model: str, window_s: float) -> dict:
    t, cols = snap.series("performance", "champion")
    x, lat = downsample(t, cols, ["latency_p50_ms", "latency_p95_ms", "latency_p99_ms"])
    _, rates = downsample(t, cols, ["error_rate", "deadletter_rate"])
    _, thr = downsample(t, cols, ["throughput_per_s"])
    ct, ccols = snap.series("performance", "challenger")
    charts = [
        chart("latency", "Model latency per window (champion), ms — worst per bucket", x,
              {"p50": lat["latency_p50_ms"], "p95": lat["latency_p95_ms"],
               "p99": lat["latency_p99_ms"]}, "ms"),
        chart("throughput", "Throughput (champion), leads/s", x,
              {"leads/s": thr["throughput_per_s"]}, "leads/s"),
        chart("rates", "Error and dead-letter rates (champion)", x,
              {"errors": rates["error_rate"], "dead letters": rates["deadletter_rate"]},
              "share"),
    ]
    if len(ct):
        cx, cthr = downsample(ct, ccols, ["throughput_per_s"])
        charts.append(chart("challenger_throughput", "Throughput (challenger), leads/s", cx,
                            {"leads/s": cthr["throughput_per_s"]}, "leads/s"))
    serving = snap.serving.get(model) or {}
    live = {serving.get("champion_version"), serving.get("challenger_version")} - {None}
    states = [{"role": role, "version": v, "state": g["state"],
               "serving": not live or v in live}
              for (role, v), g in sorted(snap.latest["guardrails"].items())]
    rollbacks = [a for a in snap.lists["audit"] if a.get("action") == "rollback"][::-1][:20]
    ops_cards, ops_charts, ops_tables = ops_panels((snap.ops or {}).get("prometheus"))
    return {
        "title": f"Overview — {model}",
        "states": states,
        "cards": [serving_card(snap.serving.get(model)), liveness(snap, window_s), *ops_cards],
        "charts": charts + ops_charts,
        "tables": [
            guardrail_table(snap),
            table("rollbacks", "Rollbacks (newest first)",
                  ["at", "by", "from", "to", "why"],
                  [[str(a["at"])[:19], a["actor"],
                    f"v{(a.get('before') or {}).get('champion_version', '?')}",
                    f"v{a['after']['champion_version']}", a.get("reason", "")]
                   for a in rollbacks]),
            table("windows", "Last window per role/version",
                  ["role", "version", "n", "throughput/s", "p50 ms", "p95 ms", "p99 ms",
                   "errors", "dead letters"],
                  [[role, v, r["n_scored"], r["throughput_per_s"], fmt(r["latency_p50_ms"]),
                    fmt(r["latency_p95_ms"]), fmt(r["latency_p99_ms"]), r["error_rate"],
                    r["deadletter_rate"]]
                   for (role, v), r in sorted(snap.latest["performance"].items())],
                  note="Dead letters by reason: from the processes' counters in Prometheus "
                       "(below); leads.deadletter holds the rejected events' attributes and "
                       "the dashboard principal may not read it."),
            *ops_tables,
        ],
    }
