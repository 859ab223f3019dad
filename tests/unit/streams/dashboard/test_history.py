"""The dashboard's in-memory history: bounded by age and by count; changes wake waiters."""

from __future__ import annotations

import threading
import time

from streams.dashboard.history import History


def _report(end_ms: int) -> dict:
    return {"window_end_ms": end_ms, "role": "champion", "model_version": "1"}


def test_windows_older_than_the_horizon_are_dropped() -> None:
    now = int(time.time() * 1000)
    h = History(max_age_s=3600, max_items=100)
    for age_s in (7200, 3700, 1800, 10):
        h.add_report("drift", _report(now - age_s * 1000))
    kept = [r["window_end_ms"] for r in h.snapshot().reports["drift"]]
    assert kept == [now - 1_800_000, now - 10_000]


def test_at_most_max_items_are_kept_newest_last() -> None:
    now = int(time.time() * 1000)
    h = History(max_age_s=86_400, max_items=5)
    for i in range(12):
        h.add("audit", {"sequence": i}, now + i)
    assert [a["sequence"] for a in h.snapshot().lists["audit"]] == [7, 8, 9, 10, 11]


def test_a_change_wakes_a_waiter_and_an_unchanged_history_times_out() -> None:
    h = History(max_age_s=60, max_items=5)
    seen = h.revision
    started = time.monotonic()
    assert h.wait_change(seen, 0.05) == seen
    assert time.monotonic() - started >= 0.04
    timer = threading.Timer(0.05, h.set_serving, ("m", {"sequence": 1}))
    timer.start()
    assert h.wait_change(seen, 5.0) == seen + 1
    h.set_serving("m", {"sequence": 1})  # the same value again is no change
    assert h.revision == seen + 1
