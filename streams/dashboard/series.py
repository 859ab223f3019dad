"""Columnar time series of closed windows, flattened once when a report arrives, so a page
with 30 days of one-minute windows is built from numpy arrays in milliseconds.

:class:`Series` holds one value per field and window (NaN where a window lacks the field),
bounded by count and trimmed by age from the front. ``flatten_*`` turn a report into the
fields the pages chart; :class:`ScoreWindows` merges ``monitor.samples`` score histograms
per event-time window (for the estimated performance).
"""

from __future__ import annotations

from collections import deque

import numpy as np

DRIFTED = ("warn", "critical")


class Series:
    def __init__(self, max_items: int):
        self.max_items = max_items
        self.times: deque[int] = deque()
        self.fields: dict[str, deque[float]] = {}

    def append(self, time_ms: int, values: dict[str, float | None]) -> None:
        for name in values.keys() - self.fields.keys():
            self.fields[name] = deque([np.nan] * len(self.times))
        self.times.append(time_ms)
        for name, column in self.fields.items():
            v = values.get(name)
            column.append(np.nan if v is None else float(v))
        if len(self.times) > self.max_items:
            self.drop_first()

    def drop_first(self) -> None:
        self.times.popleft()
        for column in self.fields.values():
            column.popleft()

    def trim(self, horizon_ms: float) -> None:
        while self.times and self.times[0] < horizon_ms:
            self.drop_first()

    def arrays(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Window end times (ms) ascending and each field's values, copied."""
        t = np.fromiter(self.times, dtype=np.int64, count=len(self.times))
        order = np.argsort(t, kind="stable")
        return t[order], {k: np.fromiter(v, float, len(v))[order]
                          for k, v in self.fields.items()}


def flatten_performance(r: dict) -> dict[str, float | None]:
    return {k: r.get(k) for k in (
        "throughput_per_s", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms",
        "error_rate", "deadletter_rate", "auc", "precision_at_10", "calibration_error",
        "n_scored", "n_labels")}


def flatten_drift(r: dict) -> dict[str, float | None]:
    """PSI, missing and unseen share per feature; the share of drifted features."""
    out: dict[str, float | None] = {}
    feats = [f for f in r["features"] if f["kind"] != "score"]
    for f in r["features"]:
        out[f"psi:{f['name']}"] = f["psi"]
        out[f"missing:{f['name']}"] = f["missing_share"]
        out[f"unseen:{f['name']}"] = f.get("unseen_share")
    out["drifted_share"] = (sum(f["persisted"] in DRIFTED for f in feats) / len(feats)
                            if feats else None)
    if r.get("prediction"):
        out["psi:score"] = r["prediction"]["score_psi"]
    return out


class ScoreWindows:
    """Score histograms (and exact score sums) of one role, merged per event-time window."""

    def __init__(self, window_ms: int, max_items: int):
        self.window_ms, self.max_items = max(1, window_ms), max_items
        self._windows: dict[int, list] = {}

    def add(self, sample: dict) -> None:
        if sample.get("event_time_max_ms") is None:
            return
        key = sample["event_time_max_ms"] // self.window_ms
        counts = np.asarray(sample["score_counts"], dtype=float)
        slot = self._windows.get(key)
        if slot is None:
            self._windows[key] = [counts, sample["score_sum_micro"]]
            while len(self._windows) > self.max_items:  # the first inserted goes first
                del self._windows[next(iter(self._windows))]
        elif len(slot[0]) == len(counts):
            slot[0] = slot[0] + counts
            slot[1] += sample["score_sum_micro"]

    def trim(self, horizon_ms: float) -> None:
        """Drop windows that ended before the horizon, oldest inserted first (windows open
        in time order, so this stops at the first one still inside)."""
        while self._windows and (next(iter(self._windows)) + 1) * self.window_ms < horizon_ms:
            del self._windows[next(iter(self._windows))]

    def arrays(self, bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Window ends (ms), a (windows by bins) count matrix and expected conversions."""
        keys = sorted(k for k, v in self._windows.items() if len(v[0]) == bins)
        if not keys:
            return np.zeros(0, np.int64), np.zeros((0, bins)), np.zeros(0)
        return ((np.array(keys, np.int64) + 1) * self.window_ms,
                np.vstack([self._windows[k][0] for k in keys]),
                np.array([self._windows[k][1] / 1e6 for k in keys]))
