"""The dashboard's in-memory history: bounded by age and by count; changes wake waiters."""

from __future__ import annotations

import threading
import time

import numpy as np

from streams.dashboard.history import History


def _report(end_ms: int, psi: float = 0.1) -> dict:
    return {"window_end_ms": end_ms, "role": "champion", "model_version": "1",
            "features": [{"name": "x", "kind": "numeric", "psi": psi, "missing_share": 0.0,
                          "persisted": "ok"}]}


def test_windows_older_than_the_horizon_are_dropped() -> None:
    now = int(time.time() * 1000)
    h = History(max_age_s=3600, max_items=100)
    for age_s in (7200, 3700, 1800, 10):
        h.add_report("drift", _report(now - age_s * 1000))
    t, _ = h.series("drift", "champion")
    assert t.tolist() == [now - 1_800_000, now - 10_000]
    assert h.snapshot().latest["drift"][("champion", "1")]["window_end_ms"] == now - 10_000


def test_at_most_max_items_are_kept_newest_last() -> None:
    now = int(time.time() * 1000)
    h = History(max_age_s=86_400, max_items=5)
    for i in range(12):
        h.add("audit", {"sequence": i}, now + i)
        h.add_report("drift", _report(now + i, psi=i / 100))
    assert [a["sequence"] for a in h.snapshot().lists["audit"]] == [7, 8, 9, 10, 11]
    _, cols = h.series("drift", "champion")
    assert np.allclose(cols["psi:x"], [0.07, 0.08, 0.09, 0.10, 0.11])


def test_a_feature_that_appears_later_is_missing_before() -> None:
    now = int(time.time() * 1000)
    h = History(max_age_s=3600, max_items=10)
    h.add_report("drift", _report(now - 2000))
    later = _report(now - 1000)
    later["features"].append({"name": "y", "kind": "numeric", "psi": 0.3,
                              "missing_share": 0.5, "persisted": "critical"})
    h.add_report("drift", later)
    _, cols = h.series("drift", "champion")
    assert np.isnan(cols["psi:y"][0]) and cols["psi:y"][1] == 0.3
    assert cols["drifted_share"].tolist() == [0.0, 0.5]


def test_score_histograms_merge_per_event_time_window() -> None:
    now = (int(time.time()) // 60) * 60_000
    h = History(max_age_s=3600, max_items=10, window_s=60)
    for offset, counts in ((1000, [1, 2]), (2000, [3, 4]), (61_000, [5, 0])):
        h.add_sample({"role": "champion", "event_time_max_ms": now + offset,
                      "score_counts": counts, "score_sum_micro": 1_000_000})
    ends, counts, expected = h.scores("champion", 2)
    assert ends.tolist() == [now + 60_000, now + 120_000]
    assert counts.tolist() == [[4, 6], [5, 0]] and expected.tolist() == [2.0, 1.0]


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


def test_generated_windows_keep_to_the_topic_contracts() -> None:
    from schemas.monitor import DriftReport, GuardrailReport, PerformanceReport
    from tests.support.windows import windows

    month = windows("m", days=0.05)
    for kind, model in (("drift", DriftReport), ("performance", PerformanceReport),
                        ("guardrails", GuardrailReport)):
        for r in month[kind]:
            model.model_validate(r)
