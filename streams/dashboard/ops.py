"""The overview's operations panels, from Prometheus: dead letters by reason (scorer, sink,
agents), consumer lag per group in records and seconds, liveness of every scraped process
(``up`` and when it was last seen up), the sink's deliveries, retries and dead letters.

:func:`read_ops` asks Prometheus (instant queries, and range queries over the last
``RANGE_S`` for the charts, from their first point with data) and returns a JSON-able
dict; :func:`ops_panels` turns it into cards, charts and tables. When Prometheus did not
answer, the dict says so and the panels say so: no number is shown that Prometheus did
not give (an absent series is "none reported", never 0). The counts come from the
processes' counters: the dashboard principal may not read ``leads.deadletter`` (its
records hold lead attributes).
"""

from __future__ import annotations

import math
import time

from streams.dashboard.charts import chart, fmt, table
from streams.dashboard.prometheus import PrometheusApi, Unreachable

RANGE_S = 3600
"""The charts show the last hour."""
RATE = "5m"
DEADLETTERS = {"scorer": "leadstream_scorer_dead_lettered_total",
               "sink": "leadstream_sink_dead_lettered_total",
               "agents": "leadstream_agent_deadletters_total"}
"""Dead-letter counters per kind of process; each has a ``reason`` label (the agents' also
``topic``)."""
LAG_RECORDS = "sum by (job, group) (leadstream_consumer_lag_records)"
LAG_SECONDS = "max by (job, group) (leadstream_consumer_lag_seconds)"
LAST_UP = 'max by (job, instance) (last_over_time(timestamp(up{job=~"leadstream-.*"} == 1)[1h:]))'
SINK = {"delivered": "leadstream_sink_delivered_total",
        "retries": "leadstream_sink_crm_retries_total",
        "dead letters": "leadstream_sink_dead_lettered_total",
        "held back (CRM down)": "leadstream_sink_crm_unavailable_total"}
JOBS = ("scorer", "agents", "sink")


def _by(labels: dict[str, str], *names: str) -> str:
    return "/".join(labels.get(n, "") for n in names if labels.get(n))


def read_ops(api: PrometheusApi, now_s: float | None = None, step_s: float = 15.0) -> dict:
    """Everything the panels show, or ``{"ok": False, "error": ...}``."""
    now = time.time() if now_s is None else now_s
    try:
        return {"ok": True, "at": now, "url": api.url, **_read(api, now, step_s)}
    except Unreachable as exc:
        return {"ok": False, "at": now, "url": api.url, "error": str(exc)}


def _read(api: PrometheusApi, now: float, step_s: float) -> dict:
    consumed = api.query(f"sum(rate(leadstream_scorer_consumed_total[{RATE}]))")
    consumed_per_s = consumed[0][1] if consumed else None
    dead = []
    for source, counter in DEADLETTERS.items():
        keys = "topic, reason" if source == "agents" else "reason"
        totals = dict((_by(m, "topic", "reason"), v) for m, v in
                      api.query(f"sum by ({keys}) ({counter})"))
        for m, rate in api.query(f"sum by ({keys}) (rate({counter}[{RATE}]))"):
            reason = _by(m, "topic", "reason")
            share = (rate / consumed_per_s if source == "scorer" and consumed_per_s else None)
            dead.append({"source": source, "reason": reason, "per_s": rate,
                         "total": totals.get(reason), "share": share})
    seconds = {_by(m, "job", "group"): v for m, v in api.query(LAG_SECONDS)}
    lag = [{"job": m.get("job", ""), "group": m.get("group", ""), "records": v,
            "seconds": seconds.get(_by(m, "job", "group"))} for m, v in api.query(LAG_RECORDS)]
    last_up = {_by(m, "job", "instance"): v for m, v in api.query(LAST_UP)}
    targets = [{"job": t["labels"].get("job", ""), "instance": t["labels"].get("instance", ""),
                "health": t.get("health", "unknown"), "last_scrape": t.get("lastScrape", ""),
                "last_error": t.get("lastError", ""),
                "last_up": last_up.get(_by(t["labels"], "job", "instance"))}
               for t in api.targets() if t["labels"].get("job", "").startswith("leadstream-")]
    sink = {}
    for label, counter in SINK.items():
        total = api.query(f"sum({counter})")
        rate = api.query(f"sum(rate({counter}[{RATE}]))")
        if total:
            sink[label] = {"total": total[0][1], "per_s": rate[0][1] if rate else None}
    start = now - RANGE_S
    ranges = {
        "deadletters": _ranges(api, [(f"{source}: ", f"sum by (topic, reason) "
                                      f"(rate({counter}[1m]))")
                                     for source, counter in DEADLETTERS.items()],
                               start, now, step_s),
        "lag_records": _ranges(api, [("", LAG_RECORDS)], start, now, step_s),
        "lag_seconds": _ranges(api, [("", LAG_SECONDS)], start, now, step_s),
        "sink": _ranges(api, [(f"{label} ", f"sum(rate({counter}[1m]))")
                              for label, counter in SINK.items()], start, now, step_s),
    }
    return {"consumed_per_s": consumed_per_s, "deadletters": dead, "lag": lag,
            "targets": targets, "sink": sink, "ranges": ranges}


def _ranges(api: PrometheusApi, queries: list[tuple[str, str]], start: float, end: float,
            step: float) -> dict:
    """Series of several range queries on one grid of x (epoch s); None where absent."""
    first = math.floor(start / step) * step
    x = [first + i * step for i in range(int((end - first) // step) + 1)]
    index = {t: i for i, t in enumerate(x)}
    series: dict[str, list[float | None]] = {}
    for prefix, expr in queries:
        for labels, values in api.query_range(expr, first, x[-1], step):
            name = prefix + (_by(labels, "group", "topic", "reason") or "total")
            row: list[float | None] = [None] * len(x)
            for t, v in values:
                if t in index and not math.isnan(v):
                    row[index[t]] = round(v, 6)
            series[name.strip()] = row
    first_value = min((i for row in series.values() for i, v in enumerate(row)
                       if v is not None), default=len(x) - 1)
    return {"x": x[first_value:], "series": {k: v[first_value:] for k, v in series.items()}}


def ops_panels(ops: dict | None) -> tuple[list[dict], list[dict], list[dict]]:
    """``(cards, charts, tables)`` of the operations panels."""
    if not ops:
        return [{"title": "Operations (Prometheus)", "lines": [
            "not asked yet: Prometheus is read every few seconds"]}], [], []
    if not ops["ok"]:
        return [{"title": "Operations (Prometheus)", "lines": [
            f"Prometheus unreachable: {ops['error']}.",
            "Dead letters by reason, consumer lag, liveness and the sink's counts are not "
            "shown until it answers (no number here is a guess)."]}], [], []
    return [_liveness_card(ops), _sink_card(ops)], _charts(ops), _tables(ops)


def _ago(at: float, now: float) -> str:
    return f"{max(now - at, 0):.0f} s ago"


def _liveness_card(ops: dict) -> dict:
    lines, now = [], ops["at"]
    seen = {t["job"].removeprefix("leadstream-") for t in ops["targets"]}
    for t in sorted(ops["targets"], key=lambda t: (t["job"], t["instance"])):
        last = f"last seen up {_ago(t['last_up'], now)}" if t["last_up"] else "never seen up"
        error = f" — {t['last_error']}" if t["health"] != "up" and t["last_error"] else ""
        lines.append(f"{t['job'].removeprefix('leadstream-')} {t['instance']}: "
                     f"{t['health'].upper()} ({last}){error}")
    lines += [f"{job}: no target scraped (not running, or stopped cleanly)"
              for job in JOBS if job not in seen]
    return {"title": "Liveness (Prometheus up)", "lines": lines}


def _sink_card(ops: dict) -> dict:
    if not ops["sink"]:
        return {"title": "Sink (CRM write-back)", "lines": [
            "no sink is scraped by Prometheus: deliveries, retries and dead letters unknown"]}
    return {"title": "Sink (CRM write-back)", "lines": [
        f"{label}: {v['total']:.0f} since the sink started, {fmt(v['per_s'])}/s over "
        f"{RATE}" for label, v in ops["sink"].items()]}


def _charts(ops: dict) -> list[dict]:
    r = ops["ranges"]
    spec = [("ops-deadletters", "Dead letters by reason (scorer, sink, agents), per s",
             "deadletters", "per s"),
            ("ops-lag-records", "Consumer lag per group, records", "lag_records", "records"),
            ("ops-lag-seconds", "Consumer lag per group, seconds", "lag_seconds", "s"),
            ("ops-sink", "Sink: deliveries, retries, dead letters, per s", "sink", "per s")]
    return [chart(cid, title, r[key]["x"], r[key]["series"], unit,
                  note="" if r[key]["series"] else "no series reported in the last hour")
            for cid, title, key, unit in spec]


def _tables(ops: dict) -> list[dict]:
    consumed = ops["consumed_per_s"]
    return [
        table("ops-deadletters", "Dead letters by reason (Prometheus counters)",
              ["process", "reason", "per s (5 min)", "share of consumed",
               "since the process started"],
              [[d["source"], d["reason"], d["per_s"], fmt(d["share"]), fmt(d["total"], 6)]
               for d in sorted(ops["deadletters"], key=lambda d: -d["per_s"])],
              note="A reason appears with its first dead letter; none listed: none counted "
                   "since the processes started. Scorer consumption: "
                   + (f"{consumed:.4g} events/s" if consumed is not None else "not reported")),
        table("ops-lag", "Consumer lag per group",
              ["process", "group", "records", "seconds"],
              [[g["job"].removeprefix("leadstream-"), g["group"], g["records"],
                fmt(g["seconds"])] for g in sorted(ops["lag"], key=lambda g: g["group"])],
              note="Seconds: the age of the last record taken while a partition has lag (an "
                   "upper bound of the oldest waiting record's age). A group with nothing "
                   "consumed yet reports no lag."),
    ]
