"""The stage timings of a scorer run, summarised: per stage p50/p95/p99 of its per-batch
time, and which stage owns the slow batches.

"Owns p95" = the stage with the largest mean time among the batches at or above the 95th
percentile of batch wall time (the batches that make the tail), likewise for p99. GC
pauses and CPU wait overlap the stages (a stage can be paused or descheduled): they are
reported beside them, not added. ``leadstream score --timings PATH`` writes the summary
as JSON at exit; the bench prints it with :func:`render`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from streams.scorer.timings import EXTRA, STAGES

COLUMNS = (*STAGES, "gc", "cpu_wait", "batch")


def summary(batches: Iterable[tuple[float, ...]]) -> dict:
    """Per column: mean/p50/p95/p99 ms per batch; the owners of the tail; batch count."""
    rows = np.array(list(batches), dtype=float).reshape(-1, len(STAGES) + len(EXTRA))
    if not len(rows):
        return {"batches": 0, "events": 0, "stages": {}, "owner_p95": None, "owner_p99": None}
    ms = rows[:, :-1] * 1000.0
    wall = ms[:, -1]
    out: dict = {"batches": len(rows), "events": int(rows[:, -1].sum()),
                 "mean_events_per_batch": float(rows[:, -1].mean()), "stages": {}}
    for j, name in enumerate(COLUMNS):
        p50, p95, p99 = np.percentile(ms[:, j], [50, 95, 99])
        out["stages"][name] = {"mean_ms": float(ms[:, j].mean()), "p50_ms": float(p50),
                               "p95_ms": float(p95), "p99_ms": float(p99)}
    for q in (95, 99):
        tail = ms[wall >= np.percentile(wall, q)]
        means = tail[:, :len(STAGES)].mean(axis=0)
        out[f"owner_p{q}"] = STAGES[int(np.argmax(means))]
        out[f"tail_p{q}_ms"] = {s: float(m) for s, m in zip(STAGES, means, strict=True)}
        out[f"tail_p{q}_gc_ms"] = float(tail[:, len(STAGES)].mean())
        out[f"tail_p{q}_cpu_wait_ms"] = float(tail[:, len(STAGES) + 1].mean())
    return out


def write(path: Path, batches: Iterable[tuple[float, ...]]) -> None:
    path.write_text(json.dumps(summary(batches), indent=1))


def render(title: str, s: dict) -> str:
    """A text table of one run's summary (ms per batch)."""
    if not s.get("batches"):
        return f"{title}: no batches"
    lines = [f"{title}: {s['batches']:,} batches, {s['mean_events_per_batch']:.0f} events/batch;"
             f" p95 owned by {s['owner_p95']}, p99 by {s['owner_p99']}",
             f"{'stage':<14}{'mean':>8}{'p50':>8}{'p95':>8}{'p99':>8}"
             f"{'in p95 tail':>13}{'in p99 tail':>13}"]
    for name in COLUMNS:
        st = s["stages"][name]
        t95 = s["tail_p95_ms"].get(name, s.get(f"tail_p95_{name}_ms"))
        t99 = s["tail_p99_ms"].get(name, s.get(f"tail_p99_{name}_ms"))
        lines.append(f"{name:<14}{st['mean_ms']:>8.2f}{st['p50_ms']:>8.2f}{st['p95_ms']:>8.2f}"
                     f"{st['p99_ms']:>8.2f}{_ms(t95):>13}{_ms(t99):>13}")
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
