"""Event-time windows: assignment, merge, dedup, lateness, watermark and idle closing."""

from __future__ import annotations

import numpy as np
import pytest

from monitors.sketches import SampleKey, WindowSample
from monitors.windows import (
    ModelWindows,
    Outcome,
    WindowConfig,
    add_sample,
    close_due,
    watermark,
    window_start,
)
from schemas.monitor import ModelRole, MonitorSample
from streams.monitor.codec import windows_from_dict, windows_to_dict

CFG = WindowConfig(length_ms=2000, lateness_ms=500, idle_ms=1000)
KEY = SampleKey("m", ModelRole.CHAMPION, "1")


def sample(t_ms: int, n: int = 10, sid: str | None = None, version: str = "1") -> MonitorSample:
    base = WindowSample(SampleKey("m", ModelRole.CHAMPION, version), {"x": np.zeros(3, np.int64)},
                        {}, np.zeros(20, np.int64))
    s = base.update(_Bins(), {}, np.full(n, 0.5), np.full(n, 2.0), np.full(n, t_ms))
    return s.to_contract(sid)


class _Bins:
    def bin_numeric(self, columns, n):
        return {"x": np.array([n, 0, 0])}

    def bin_categorical(self, columns, n):
        return {}

    def bin_scores(self, scores):
        return np.bincount(np.minimum((np.asarray(scores) * 20).astype(int), 19), minlength=20)


def test_window_start_is_aligned() -> None:
    assert window_start(4999, 2000) == 4000
    assert window_start(4000, 2000) == 4000


def test_merge_sums_counts_across_processes_and_dedups_redelivery() -> None:
    state = ModelWindows()
    for i, t in enumerate([10_100, 10_900, 11_500]):
        state, out = add_sample(state, sample(t, n=5, sid=f"p{i}"), t + 5, 0, CFG)
        assert out is Outcome.MERGED
    state, out = add_sample(state, sample(10_900, n=5, sid="p1"), 10_905, 0, CFG)
    assert out is Outcome.DUPLICATE
    (slot,) = state.open[10_000].values()
    assert slot.sample.n_scored == 15
    assert slot.sample.numeric["x"] == [15, 0, 0]
    assert slot.lag_ms == 5


def test_watermark_closes_only_passed_windows_and_late_samples_are_dropped() -> None:
    state = ModelWindows()
    state, _ = add_sample(state, sample(10_100), 0, 0, CFG)
    state, _ = add_sample(state, sample(12_400), 0, 0, CFG)  # watermark 11_900 < 12_000
    state, closed = close_due(state, 0, CFG)
    assert closed == []
    state, _ = add_sample(state, sample(12_500), 0, 0, CFG)  # watermark 12_000: closes [10, 12)
    state, closed = close_due(state, 0, CFG)
    assert [(c.start_ms, c.end_ms, c.reason) for c in closed] == [(10_000, 12_000, "watermark")]
    assert closed[0].sample.n_scored == 10
    state, out = add_sample(state, sample(11_999), 0, 0, CFG)
    assert out is Outcome.LATE
    state, closed = close_due(state, 0, CFG)
    assert closed == [] and list(state.open) == [12_000]


def test_idle_fallback_advances_event_time_with_the_wall_clock() -> None:
    state, _ = add_sample(ModelWindows(), sample(10_100), 0, wall_ms=50_000, cfg=CFG)
    assert watermark(state, 50_999, CFG) == (9_600, False)
    state, closed = close_due(state, 51_000 + 1_399, CFG)  # mark 9_600 + 2_399 < 12_000
    assert closed == []
    state, closed = close_due(state, 51_000 + 1_400, CFG)
    assert [(c.start_ms, c.reason) for c in closed] == [(10_000, "idle")]


def test_versions_and_roles_stay_apart_in_one_window() -> None:
    state = ModelWindows()
    state, _ = add_sample(state, sample(10_100, version="1"), 0, 0, CFG)
    state, _ = add_sample(state, sample(10_200, version="2"), 0, 0, CFG)
    state, closed = close_due(state, 10**9, CFG)
    assert sorted(c.sample.key.model_version for c in closed) == ["1", "2"]


@pytest.mark.parametrize("order", [[0, 1, 2], [2, 0, 1], [1, 2, 0]])
def test_state_round_trips_and_merge_is_order_independent(order: list[int]) -> None:
    items = [sample(10_100 + 300 * i, n=i + 1, sid=f"s{i}") for i in range(3)]
    state = ModelWindows()
    for i in order:
        state, _ = add_sample(windows_from_dict(windows_to_dict(state)), items[i], 0, 0, CFG)
    (slot,) = state.open[10_000].values()
    assert slot.sample.n_scored == 6
    assert windows_from_dict(windows_to_dict(state)) == state


def test_a_sample_whose_counts_overflow_int64_is_invalid_and_windows_still_close() -> None:
    good = sample(10_100, sid="a")
    huge = good.model_construct(**{**dict(good), "n_scored": 2**63,
                                   "score_counts": [2**63, *good.score_counts[1:]]})
    state, out = add_sample(ModelWindows(), huge, 10_105, 0, CFG)
    assert out is Outcome.INVALID and state == ModelWindows()
    state, out = add_sample(state, good, 10_105, 0, CFG)
    assert out is Outcome.MERGED
    state, out = add_sample(state, sample(13_000, sid="b"), 13_005, 0, CFG)
    _, closed = close_due(state, 0, CFG)
    assert [(w.start_ms, w.sample.n_scored) for w in closed] == [(10_000, 10)]
