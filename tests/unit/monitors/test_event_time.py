"""Clock-skewed event times: scored and counted, but never moving the watermark."""

from __future__ import annotations

import numpy as np

from monitors.event_time import SkewTolerance, trusted_times
from monitors.sketches import SampleKey, WindowSample
from monitors.windows import ModelWindows, Outcome, WindowConfig, add_sample, close_due
from schemas.monitor import ModelRole, MonitorSample
from tests.unit.streams.monitor.test_windows import _Bins

DAY_MS = 24 * 3600 * 1000
MIN_MS = 60_000
T0 = 1_764_000_000_000  # 2025-11-24, a real wall-clock time
CFG = WindowConfig(length_ms=MIN_MS, lateness_ms=10_000, idle_ms=5_000,
                   skew=SkewTolerance(future_ms=5 * MIN_MS, past_ms=7 * DAY_MS))


def sample(times_ms: list[float], sid: str, skewed: int = 0) -> MonitorSample:
    base = WindowSample(SampleKey("m", ModelRole.CHAMPION, "1"), {"x": np.zeros(3, np.int64)},
                        {}, np.zeros(20, np.int64))
    n = len(times_ms)
    s = base.update(_Bins(), {}, np.full(n, 0.5), np.full(n, 2.0), np.array(times_ms),
                    n_clock_skewed=skewed)
    return s.to_contract(sid)


def test_trusted_times_blanks_only_times_beyond_the_tolerances():
    tol = SkewTolerance(future_ms=1000, past_ms=5000)
    got = trusted_times(np.array([10_000, 11_000, 11_001, 5_000, 4_999]), 10_000, tol)
    assert np.isnan(got).tolist() == [False, False, True, False, True]
    assert got[0] == 10_000 and got[3] == 5_000


def _run(state: ModelWindows, items: list[tuple[MonitorSample, int]]):
    closed, outcomes = [], []
    for s, received in items:
        state, out = add_sample(state, s, received, received, CFG)
        outcomes.append(out)
        state, done = close_due(state, received, CFG)
        closed += done
    return state, closed, outcomes


def test_a_sample_a_day_ahead_does_not_blind_the_windows():
    # the scorer's own sample of the skewed event (its time beyond the tolerance: not
    # trusted), then 5 minutes of normal traffic, one sample every 10 s
    ahead = sample([T0 + DAY_MS], "skewed")
    normal = [(sample([T0 + i * 10_000], f"s{i}"), T0 + i * 10_000 + 50) for i in range(1, 31)]
    state, closed, outcomes = _run(ModelWindows(), [(ahead, T0), *normal])
    assert outcomes == [Outcome.MERGED] * 31  # nothing is late
    assert state.max_event_ms is not None and state.max_event_ms < T0 + 6 * MIN_MS
    ends = sorted({w.end_ms for w in closed})
    # windows keep closing as normal time passes: every minute up to the watermark
    first = T0 - T0 % MIN_MS + MIN_MS
    assert ends == list(range(first, T0 + 300_000 - 10_000 + 1, MIN_MS))
    total = sum(w.sample.n_scored for w in closed) + sum(
        s.sample.n_scored for slots in state.open.values() for s in slots.values())
    assert total == 31  # the skewed event is scored and counted too
    assert sum(w.sample.n_clock_skewed for w in closed) == 1


def test_without_the_tolerance_one_sample_a_day_ahead_makes_everything_late():
    """The failure the tolerance prevents (a day of tolerance lets the day-ahead time in)."""
    blind = WindowConfig(CFG.length_ms, CFG.lateness_ms, CFG.idle_ms,
                         SkewTolerance(future_ms=2 * DAY_MS, past_ms=7 * DAY_MS))
    state, _ = add_sample(ModelWindows(), sample([T0 + DAY_MS], "skewed"), T0, T0, blind)
    state, _ = close_due(state, T0, blind)
    _, out = add_sample(state, sample([T0 + 10_000], "s1"), T0 + 10_050, T0 + 10_050, blind)
    assert out is Outcome.LATE


def test_a_sample_far_in_the_past_is_merged_by_its_arrival():
    old = sample([T0 - 30 * DAY_MS], "old")
    state, out = add_sample(ModelWindows(), old, T0, T0, CFG)
    assert out is Outcome.MERGED
    (start,) = state.open
    assert start == T0 - T0 % MIN_MS
    (slot,) = state.open[start].values()
    assert slot.sample.n_clock_skewed == 1 and slot.sample.event_time_max_ms is None


def test_scorer_side_skew_keeps_the_batch_range_genuine():
    # a batch with one event a day ahead: the scorer blanks it (NaN) and counts it
    times = trusted_times(np.array([T0, T0 + 1000, T0 + DAY_MS]), T0 + 2000, CFG.skew)
    s = sample(times.tolist(), "b1", skewed=int(np.isnan(times).sum()))
    assert (s.event_time_min_ms, s.event_time_max_ms, s.n_clock_skewed) == (T0, T0 + 1000, 1)
    assert s.n_scored == 3
