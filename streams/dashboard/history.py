"""What the dashboard remembers: recent windows, serving changes, audit entries, alerts and
experiment looks, in memory, bounded by age and by count.

Filled by :mod:`streams.dashboard.feed` from the topics (from their beginning at start) and
read by :mod:`streams.dashboard.views`. Every change bumps ``revision``, which the
server-sent event streams wait on. Thread-safe: the feed writes from its own thread.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

REPORT_KINDS = ("drift", "performance", "guardrails")
LISTS = ("audit", "alerts", "rollbacks", "retrain", "experiments")


@dataclass
class Snapshot:
    """A consistent copy of the history for one page build (lists are oldest first)."""

    reports: dict[str, list[dict]]
    serving: dict[str, dict]
    lists: dict[str, list[dict]]
    samples: list[dict]
    labels: dict[str, dict]
    redis_ok: bool | None
    revision: int


@dataclass
class History:
    max_age_s: float
    max_items: int
    revision: int = 0
    _reports: dict[str, deque] = field(default_factory=dict)
    _serving: dict[str, dict] = field(default_factory=dict)
    _lists: dict[str, deque] = field(default_factory=dict)
    _samples: deque = field(default_factory=deque)
    _labels: dict[str, dict] = field(default_factory=dict)
    redis_ok: bool | None = None
    _lock: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        self._reports = {k: deque(maxlen=self.max_items) for k in REPORT_KINDS}
        self._lists = {k: deque(maxlen=self.max_items) for k in LISTS}
        self._samples = deque(maxlen=self.max_items)

    def add_report(self, kind: str, report: dict) -> None:
        with self._lock:
            self._reports[kind].append(report)
            self._trim(self._reports[kind], "window_end_ms")
            self._bump()

    def add(self, kind: str, item: dict, time_ms: int) -> None:
        """One audit entry, alert, rollback, retrain trigger or experiment look."""
        with self._lock:
            self._lists[kind].append({**item, "_ms": time_ms})
            self._trim(self._lists[kind], "_ms")
            self._bump()

    def add_sample(self, sample: dict) -> None:
        """A ``monitor.samples`` record's counts (aggregated by the views per window)."""
        with self._lock:
            self._samples.append(sample)
            self._trim(self._samples, "event_time_max_ms")
            self._bump()

    def set_serving(self, model: str, config: dict) -> None:
        with self._lock:
            if self._serving.get(model) != config:
                self._serving[model] = config
                self._bump()

    def set_labels(self, key: str, summary: dict) -> None:
        with self._lock:
            if self._labels.get(key) != summary:
                self._labels[key] = summary
                self._bump()

    def set_redis_ok(self, ok: bool) -> None:
        with self._lock:
            if self.redis_ok != ok:
                self.redis_ok = ok
                self._bump()

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot({k: list(v) for k, v in self._reports.items()}, dict(self._serving),
                            {k: list(v) for k, v in self._lists.items()}, list(self._samples),
                            dict(self._labels), self.redis_ok, self.revision)

    def wait_change(self, seen: int, timeout_s: float) -> int:
        """Block until the revision differs from ``seen`` (or the timeout); the revision."""
        with self._lock:
            self._lock.wait_for(lambda: self.revision != seen, timeout_s)
            return self.revision

    def _bump(self) -> None:
        self.revision += 1
        self._lock.notify_all()

    def _trim(self, items: deque, time_key: str) -> None:
        """Drop items older than ``max_age_s`` (their ``time_key``, epoch ms)."""
        horizon = (time.time() - self.max_age_s) * 1000
        while items and (items[0].get(time_key) or horizon) < horizon:
            items.popleft()
