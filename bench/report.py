"""The throughput bench's numbers: drain and latency statistics, targets, table and JSON."""

from __future__ import annotations

import json
import os
import platform
import re
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.rounds import RATIOS, UNSTABLE_SPREAD, ratios
from streams.scorer.stage_table import render

RESULTS = Path(__file__).with_name("results")
TARGETS = {  # name: (value key, comparison, threshold) — issue 16's table
    "(a)/(b) >= 0.6": ("a_over_b", ">=", 0.60),
    "(a00)/(b) >= 0.85": ("bare_over_b", ">=", 0.85),
    "reasons (a)/(a0) >= 0.85": ("reasons_over_off", ">=", 0.85),
    "history (a)/(a-h) >= 0.95": ("history_over_no_history", ">=", 0.95),
    "shadow (a+s)/(a) >= 0.8": ("shadow_over_a", ">=", 0.80),
    "(a)/(c) >= 30x": ("a_over_c", ">=", 30.0),
    "p99 e2e <= 50 ms at 2k/s": ("p99_ms", "<=", 50.0),
    "scorer RSS <= (b) + 60 MB": ("rss_over_b_mb", "<=", 60.0),
}
LABELS = {"leadstream_bare": "(a00) no reasons/history",
          "leadstream_no_reasons": "(a0) leadstream, no reasons",
          "leadstream": "(a) leadstream, reasons on", "passthrough_txn": "(b) passthrough, txn",
          "passthrough_plain": "(b') passthrough, no txn", "naive": "(c) naive per-event",
          "leadstream_shadow": "(a+s) leadstream, shadow",
          "leadstream_no_history": "(a-h) leadstream, no history"}
_SELF_RATE = re.compile(r"\(([\d.]+)/s while busy\)")


def self_reported_rate(log_text: str) -> float | None:
    """The rate a process reported itself (scorer summary line or baseline JSON), if any."""
    lines = log_text.strip().splitlines()
    if lines and lines[-1].startswith("{"):
        return float(json.loads(lines[-1])["rate"])
    found = _SELF_RATE.findall(log_text)
    return float(found[-1]) if found else None


def drain_stats(stamps: list[int], expected: int, child: Any) -> dict:
    """Leads/s over the output's broker append times (first to last record)."""
    if len(stamps) != expected:
        raise RuntimeError(f"{child.log.name}: {len(stamps)} output records, expected "
                           f"{expected}\n{child.tail()}")
    span_s = (max(stamps) - min(stamps)) / 1000.0
    return {"events": len(stamps), "drain_s": span_s,
            "leads_per_s": (len(stamps) - 1) / span_s if span_s > 0 else float("inf"),
            "self_reported_leads_per_s": self_reported_rate(child.tail(20_000)),
            "peak_rss_mb": child.peak_rss_mb}


def latency_stats(created: dict, appended: dict, keys: list, producer: Any, child: Any) -> dict:
    missing = [k for k in keys if k not in appended]
    if missing:
        raise RuntimeError(f"{len(missing)} leads produced but never scored\n{child.tail()}")
    ms = np.array([appended[k] - created[k] for k in keys], dtype=float)
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"measured": len(keys), "offered_per_s": producer.rate, "sent": producer.sent,
            "p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "max_ms": float(ms.max()),
            "mean_ms": float(ms.mean()), "peak_rss_mb": child.peak_rss_mb}


def read_timings(path: Path) -> dict | None:
    """The scorer's stage summary (``leadstream score --timings``), if it wrote one."""
    return json.loads(path.read_text()) if path.exists() else None


def stage_tables(doc: dict) -> str:
    """The stage tables of (a)'s drain (each round) and of the latency phases (ms/batch)."""
    a_rounds = (doc["drain"].get("leadstream") or {}).get("rounds") or []
    phases = [*((f"(a) drain, round {r['round']}", r.get("stages")) for r in a_rounds),
              ("latency, reasons on", (doc["latency"] or {}).get("stages")),
              ("latency, reasons off", (doc.get("latency_no_reasons") or {}).get("stages")),
              ("latency, reasons on, timer batching (before D4)",
               (doc.get("latency_timer_batching") or {}).get("stages"))]
    return "\n\n".join(render(title, s) for title, s in phases if s)


def visible_stats(created: dict, seen: dict, keys: list) -> dict | None:
    """Create time → visible to a read_committed reader (after the commit marker)."""
    ms = np.array([seen[k] - created[k] for k in keys if k in seen], dtype=float)
    if not ms.size:
        return None
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"measured": int(ms.size), "p50_ms": p50, "p95_ms": p95, "p99_ms": p99,
            "max_ms": float(ms.max())}


def document(config: dict, version: str, records: list, drains: dict, lat: dict | None,
             lat_off: dict | None = None) -> dict:
    """The results document; a variant or phase not run leaves its numbers and targets None."""
    rss = [x["peak_rss_mb"] for x in (drains.get("leadstream"), lat) if x]
    summary = {
        **ratios(drains),
        "p99_ms": lat["p99_ms"] if lat else None,
        "p99_ms_no_reasons": lat_off["p99_ms"] if lat_off else None,
        "scorer_peak_rss_mb": max(rss) if rss else None,
        "rss_over_b_mb": (max(rss) - drains["passthrough_txn"]["peak_rss_mb"]
                          if rss and "passthrough_txn" in drains else None),
    }
    targets = {name: None if summary[key] is None else _passes(summary[key], op, limit)
               for name, (key, op, limit) in TARGETS.items()}
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "config": config, "model_version": version,
        "machine": {"cpus": os.cpu_count(), "loadavg_1_5_15_at_start": config.get("loadavg"),
                    "loadavg_1_5_15_at_end": os.getloadavg(),
                    "python": platform.python_version(), "platform": platform.platform()},
        "input": {"events": len(records),
                  "mean_bytes": float(np.mean([len(v) for _, v in records]))},
        "drain": drains, "latency": lat, "latency_no_reasons": lat_off, "summary": summary,
        "targets": targets,
    }


def _passes(value: float, op: str, limit: float) -> bool:
    return value >= limit if op == ">=" else value <= limit


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def ratio_lines(s: dict) -> str:
    """The ratios of medians, each flagged when a side spread > UNSTABLE_SPREAD."""
    return (f"ratios of medians (UNSTABLE: a side's rounds spread > {UNSTABLE_SPREAD:.0%}):\n"
            + "\n".join(f"  {label:<30}{_num(s[key], '.1f' if key == 'a_over_c' else '.2f'):>6}"
                         f"{'  UNSTABLE' if key in s['unstable'] else ''}"
                         for key, (_, _, label) in RATIOS.items() if s[key] is not None))


def table(doc: dict) -> str:
    d, lat, s = doc["drain"], doc["latency"], doc["summary"]
    rows = [f"{'variant':<28}{'events':>9}{'leads/s':>9}{'min-max (spread)':>23}"
            f"{'self-rep.':>10}{'peak RSS':>10}   (medians of {doc['config']['rounds']} rounds)"]
    for key, label in LABELS.items():
        if key in d:
            r = d[key]
            spread = (f"{r['leads_per_s_min']:,.0f}-{r['leads_per_s_max']:,.0f} "
                      f"({r['spread']:.0%})")
            rows.append(f"{label:<28}{r['events']:>9,}{r['leads_per_s']:>9,.0f}{spread:>23}"
                        f"{_num(r['self_reported_leads_per_s'], ',.0f'):>10}"
                        f"{r['peak_rss_mb']:>7.0f} MB")
    for what, r in (doc.get("state") or {}).items():
        rows.append(f"Redis state per lead, scored {'once' if what == 'once' else '20 times'}: "
                    f"{r['bytes_per_lead']:,.0f} B (" + ", ".join(
                        f"{k} {v:,.0f}" for k, v in r["memory_usage_per_lead"].items()) + ")")
    rows += ["", stage_tables(doc), "", ratio_lines(s)]
    for what, phase in (("reasons on", lat), ("reasons off", doc.get("latency_no_reasons")),
                        ("reasons on, timer batching (before D4)",
                         doc.get("latency_timer_batching"))):
        if phase:
            rows.append(f"latency, {what}, at {phase['offered_per_s']:,.0f} leads/s, "
                        f"{phase['measured']:,} leads: p50 {phase['p50_ms']:.1f}  p95 "
                        f"{phase['p95_ms']:.1f}  p99 {phase['p99_ms']:.1f}  max "
                        f"{phase['max_ms']:.0f} ms   (scorer RSS {phase['peak_rss_mb']:.0f} MB)")
            v = phase.get("visible")
            if v:
                rows.append(f"    visible to read_committed (commit marker included): p50 "
                            f"{v['p50_ms']:.1f}  p95 {v['p95_ms']:.1f}  p99 {v['p99_ms']:.1f}"
                            f"  max {v['max_ms']:.0f} ms ({v['measured']:,} leads)")
    for i, rnd in enumerate(doc.get("batching_rounds") or [], start=1):
        rows.append(f"batching round {i}: p50 / p95 / p99 ms — " + "; ".join(
            f"{name} {r['p50_ms']:.0f} / {r['p95_ms']:.0f} / {r['p99_ms']:.0f}"
            f" ({r['stages']['mean_events_per_batch'] if r.get('stages') else 0:.0f}/batch)"
            for name, r in rnd.items()))
    load = doc["machine"]["loadavg_1_5_15_at_end"]
    start = doc["machine"].get("loadavg_1_5_15_at_start") or (float("nan"),) * 3
    rows += [f"machine: {doc['machine']['cpus']} CPUs, load average {load[0]:.1f} / "
             f"{load[1]:.1f} / {load[2]:.1f} (1/5/15 min) at the end, {start[0]:.1f} / "
             f"{start[1]:.1f} / {start[2]:.1f} at the start", ""]
    for name, (key, _, _) in TARGETS.items():
        ok = doc["targets"][name]
        verdict = "n/a " if ok is None else "PASS" if ok else "FAIL"
        rows.append(f"  [{verdict}] {name:<28} measured {_num(s[key], ',.2f')}"
                    + ("  (unstable)" if key in s["unstable"] else ""))
    return "\n".join(rows)


def write(doc: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"throughput-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(doc, indent=2, default=str))
    return path
