"""Downsampled series: bounded points, the worst value of each bucket kept."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.dashboard.charts import MAX_POINTS, chart, downsample


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=0, max_size=3000),
       st.integers(1, 50), st.sampled_from(["max", "min", "sum"]))
def test_downsample_merges_each_bucket(values: list, max_points: int, how: str) -> None:
    t = np.arange(len(values), dtype=np.int64) * 1000
    column = np.array([np.nan if v is None else v for v in values], dtype=float)
    x, out = downsample(t, {"v": column}, ["v", "absent"], max_points, how)
    assert len(x) == len(out["v"]) <= max_points
    assert out["absent"] == [None] * len(x)
    size = max(1, -(-len(values) // max_points))
    pick = {"max": max, "min": min, "sum": sum}[how]
    for b, got in enumerate(out["v"]):
        bucket = [v for v in values[b * size:(b + 1) * size] if v is not None]
        if bucket:
            assert got is not None and abs(got - round(pick(bucket), 6)) <= 1e-6 * max(
                1.0, abs(got))
        else:
            assert got is None
        assert x[b] == min(len(values) - 1, (b + 1) * size - 1)


def test_thirty_days_of_minute_windows_become_at_most_max_points() -> None:
    n = 30 * 1440
    x, out = downsample(np.arange(n) * 60_000, {"v": np.arange(n, dtype=float)}, ["v"])
    assert len(x) == MAX_POINTS and out["v"][-1] == n - 1


def test_threshold_lines_are_dashed_constant_series() -> None:
    c = chart("psi", "PSI", [1.0, 2.0], {"a": [0.1, 0.2]}, lines={"warn": 0.1})
    assert c["series"][1] == {"label": "warn", "values": [0.1, 0.1], "dash": True}
