"""Where a batch's time goes: per-batch stage timings, GC pauses and CPU wait.

Cheap by construction: a few ``perf_counter`` calls per batch, never per lead.
:meth:`StageClock.lap` charges the time since the previous lap to one stage, so the stages
of a batch add up to its wall time (``other`` is what no lap named). Alongside:

- GC pauses: ``gc.callbacks`` (start/stop of every collection), summed per batch;
- CPU wait: the thread's run-queue delay from ``/proc/thread-self/schedstat`` (second
  field, ns), the time the loop was runnable but had no core: a busy machine shows here,
  not in any stage's code.

Each batch is observed into the Prometheus histograms ``leadstream_scorer_stage_seconds``
(label ``stage``), ``leadstream_scorer_gc_pause_seconds`` and
``leadstream_scorer_cpu_wait_seconds``, and kept (the last :data:`KEEP` batches) for
:func:`streams.scorer.stage_table.summary`, which the bench prints.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from pathlib import Path

from prometheus_client import CollectorRegistry, Histogram

STAGES = ("consume_wait", "decode", "claim", "encode", "predict", "reasons", "grade_trend",
          "serialize", "shadow_reasons", "shadow", "redis", "produce", "send_offsets", "commit",
          "other")
"""Every stage of a batch, in pipeline order (``other``: time no lap named). In shadow mode
``shadow_reasons`` is the challenger's reasons and ``shadow`` its comparison records (its
prediction is in ``predict``, its monitor sample in ``serialize``)."""
EXTRA = ("gc", "cpu_wait", "batch", "events")
"""Per batch besides the stages: GC pause, CPU wait, wall time (s) and events."""
KEEP = 50_000
"""Batches kept for the summary (one small tuple each)."""
_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
            0.5, 1.0, 2.5)
_SCHEDSTAT = Path("/proc/thread-self/schedstat")


def run_delay_s() -> float:
    """This thread's total time runnable but waiting for a CPU (0 where not available)."""
    try:
        return int(_SCHEDSTAT.read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


class StageClock:
    """One scorer loop's stage clock: ``begin`` a batch, ``lap`` its stages, ``end`` it."""

    def __init__(self, registry: CollectorRegistry | None = None, keep: int = KEEP):
        r = registry or CollectorRegistry()
        stage = Histogram("leadstream_scorer_stage_seconds",
                          "Wall time of one stage of one batch (stages add up to the batch).",
                          ["stage"], buckets=_BUCKETS, registry=r)
        self._stage = [stage.labels(s) for s in STAGES]
        self._gc_hist = Histogram("leadstream_scorer_gc_pause_seconds",
                                  "Garbage-collector pauses within one batch.",
                                  buckets=_BUCKETS, registry=r)
        self._wait_hist = Histogram("leadstream_scorer_cpu_wait_seconds",
                                    "Time one batch was runnable but waited for a CPU.",
                                    buckets=_BUCKETS, registry=r)
        self._index = {s: i for i, s in enumerate(STAGES)}
        self._acc = [0.0] * len(STAGES)
        self._t0 = self._t = time.perf_counter()
        self._wait0 = 0.0
        self._gc_s = 0.0
        self._gc_start = 0.0
        self.batches: deque[tuple[float, ...]] = deque(maxlen=keep)

    def start(self) -> None:
        """Start watching the garbage collector (the loop starts; :meth:`close` stops)."""
        if self._on_gc not in gc.callbacks:
            gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, _info: dict) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        elif self._gc_start:
            self._gc_s += time.perf_counter() - self._gc_start
            self._gc_start = 0.0

    def begin(self) -> None:
        """A batch starts (before its consume)."""
        self._acc = [0.0] * len(STAGES)
        self._t0 = self._t = time.perf_counter()
        self._wait0 = run_delay_s()
        self._gc_s = 0.0

    def lap(self, stage: str) -> None:
        """Charge the time since the last lap (or ``begin``) to ``stage``."""
        now = time.perf_counter()
        self._acc[self._index[stage]] += now - self._t
        self._t = now

    def end(self, events: int) -> None:
        """The batch is done (committed or aborted): observe and keep it."""
        self.lap("other")
        wall = self._t - self._t0
        wait = max(0.0, run_delay_s() - self._wait0)
        for hist, seconds in zip(self._stage, self._acc, strict=True):
            hist.observe(seconds)
        self._gc_hist.observe(self._gc_s)
        self._wait_hist.observe(wait)
        self.batches.append((*self._acc, self._gc_s, wait, wall, float(events)))

    def close(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)


class NoClock(StageClock):
    """A clock that measures nothing (tests, tools that score in-process)."""

    def __init__(self) -> None:  # no histograms, no GC callback
        self.batches = deque(maxlen=1)

    def start(self) -> None:
        pass

    def begin(self) -> None:
        pass

    def lap(self, stage: str) -> None:
        pass

    def end(self, events: int) -> None:
        pass

    def close(self) -> None:
        pass
