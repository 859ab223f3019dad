"""What the dashboard remembers, in memory, bounded by age and by count: per report kind
the newest report of each model role/version and the flattened time series of every
window (:mod:`streams.dashboard.series`), guardrail transitions, score histograms per
window, recent samples, serving changes, audit entries, alerts and experiment looks, and the
latest answers of Prometheus and Alertmanager.

Filled by :mod:`streams.dashboard.feed` (from the topics' beginning at start) and read by
the pages through :meth:`History.snapshot`. Every change bumps ``revision``, which the
server-sent event streams wait on. Thread-safe: the feed writes from its own thread.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from streams.dashboard.series import ScoreWindows, Series, flatten_drift, flatten_performance

REPORT_KINDS = ("drift", "performance", "guardrails")
LISTS = ("audit", "alerts", "rollbacks", "retrain", "experiments", "transitions")
FLATTEN = {"drift": flatten_drift, "performance": flatten_performance}
RECENT_SAMPLES = 5000


@dataclass
class Snapshot:
    """A copy of the history for one page build (lists oldest first); ``series`` and
    ``scores`` read the columnar history on demand."""

    latest: dict[str, dict[tuple[str, str], dict]]
    serving: dict[str, dict]
    lists: dict[str, list[dict]]
    samples: list[dict]
    labels: dict[str, dict]
    redis_ok: bool | None
    last_sample_ms: int
    last_report_ms: int
    revision: int
    history: History
    ops: dict[str, dict] | None = None
    """The latest answers of Prometheus and Alertmanager (:mod:`streams.dashboard.ops_feed`)."""

    def series(self, kind: str, role: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return self.history.series(kind, role)

    def scores(self, role: str, bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.history.scores(role, bins)


class History:
    def __init__(self, max_age_s: float, max_items: int, window_s: float = 60.0):
        self.max_age_s, self.max_items = max_age_s, max_items
        self.revision = 0
        self.redis_ok: bool | None = None
        self._window_ms = int(window_s * 1000)
        self._latest: dict[str, dict[tuple[str, str], dict]] = {k: {} for k in REPORT_KINDS}
        self._series: dict[tuple[str, str], Series] = {}
        self._scores: dict[str, ScoreWindows] = {}
        self._lists: dict[str, deque] = {k: deque(maxlen=max_items) for k in LISTS}
        self._samples: deque = deque(maxlen=RECENT_SAMPLES)
        self._serving: dict[str, dict] = {}
        self._labels: dict[str, dict] = {}
        self._ops: dict[str, dict] = {}
        self._last_sample_ms = self._last_report_ms = 0
        self._lock = threading.Condition()

    def add_report(self, kind: str, report: dict) -> None:
        end = report["window_end_ms"]
        if end < self._horizon_ms():
            return
        slot = (report["role"], report["model_version"])
        with self._lock:
            old = self._latest[kind].get(slot)
            if old is None or old["window_end_ms"] <= end:
                self._latest[kind][slot] = report
            if kind in FLATTEN:
                series = self._series.setdefault((kind, report["role"]),
                                                 Series(self.max_items))
                series.append(end, FLATTEN[kind](report))
                series.trim(self._horizon_ms())
            for t in report.get("transitions", []):
                self._lists["transitions"].append({
                    **t, "_ms": end, "role": report["role"],
                    "model_version": report["model_version"],
                    "emitted_at": report["emitted_at"]})
            self._last_report_ms = max(self._last_report_ms, end)
            self._bump()

    def add(self, kind: str, item: dict, time_ms: int) -> None:
        """One audit entry, alert, rollback, retrain trigger or experiment look."""
        with self._lock:
            items = self._lists[kind]
            items.append({**item, "_ms": time_ms})
            while items and items[0]["_ms"] and items[0]["_ms"] < self._horizon_ms():
                items.popleft()
            self._bump()

    def add_sample(self, sample: dict) -> None:
        """A ``monitor.samples`` record's counts."""
        with self._lock:
            scores = self._scores.setdefault(sample["role"],
                                             ScoreWindows(self._window_ms, self.max_items))
            scores.add(sample)
            scores.trim(self._horizon_ms())
            self._samples.append(sample)
            self._last_sample_ms = max(self._last_sample_ms,
                                       sample.get("event_time_max_ms") or 0)
            self._bump()

    def set_serving(self, model: str, config: dict) -> None:
        with self._lock:
            if self._serving.get(model) != config:
                self._serving[model] = config
                self._bump()

    def set_labels(self, version: str, summary: dict) -> None:
        with self._lock:
            if self._labels.get(version) != summary:
                self._labels[version] = summary
                self._bump()

    def set_ops(self, source: str, answer: dict) -> None:
        """The latest answer of Prometheus or Alertmanager; a change other than the time
        asked (``at``) is pushed to open pages."""
        with self._lock:
            old = self._ops.get(source)
            self._ops[source] = answer
            if old is None or {**old, "at": 0} != {**answer, "at": 0}:
                self._bump()

    def touch(self) -> None:
        """Something the pages show changed outside the history (a profile loaded)."""
        with self._lock:
            self._bump()

    def set_redis_ok(self, ok: bool) -> None:
        with self._lock:
            if self.redis_ok != ok:
                self.redis_ok = ok
                self._bump()

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot({k: dict(v) for k, v in self._latest.items()}, dict(self._serving),
                            {k: list(v) for k, v in self._lists.items()}, list(self._samples),
                            dict(self._labels), self.redis_ok, self._last_sample_ms,
                            self._last_report_ms, self.revision, self, dict(self._ops))

    def series(self, kind: str, role: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        with self._lock:
            found = self._series.get((kind, role))
            return found.arrays() if found else (np.zeros(0, np.int64), {})

    def scores(self, role: str, bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with self._lock:
            found = self._scores.get(role)
            return found.arrays(bins) if found else (
                np.zeros(0, np.int64), np.zeros((0, bins)), np.zeros(0))

    def wait_change(self, seen: int, timeout_s: float) -> int:
        """Block until the revision differs from ``seen`` (or the timeout); the revision."""
        with self._lock:
            self._lock.wait_for(lambda: self.revision != seen, timeout_s)
            return self.revision

    def _horizon_ms(self) -> float:
        return (time.time() - self.max_age_s) * 1000

    def _bump(self) -> None:
        self.revision += 1
        self._lock.notify_all()
