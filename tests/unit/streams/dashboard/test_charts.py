"""Downsampled series: bounded points, the worst value of each bucket kept."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.dashboard.charts import MAX_POINTS, chart, downsample


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=0, max_size=3000),
       st.integers(1, 50))
def test_downsample_keeps_each_buckets_maximum(values: list, max_points: int) -> None:
    rows = [{"window_end_ms": 1000 * i, "v": v} for i, v in enumerate(values)]
    x, out = downsample(rows[::-1], ["v"], max_points)  # order of arrival does not matter
    assert len(x) == len(out["v"]) <= max_points
    size = max(1, -(-len(values) // max_points))
    for b, got in enumerate(out["v"]):
        bucket = [v for v in values[b * size:(b + 1) * size] if v is not None]
        assert got == (round(max(bucket), 6) if bucket else None)
        assert x[b] == min(len(values) - 1, (b + 1) * size - 1)


def test_thirty_days_of_minute_windows_become_at_most_max_points() -> None:
    rows = [{"window_end_ms": 60_000 * i, "v": float(i)} for i in range(30 * 1440)]
    x, out = downsample(rows, ["v"])
    assert len(x) == MAX_POINTS and out["v"][-1] == 30 * 1440 - 1


def test_threshold_lines_are_dashed_constant_series() -> None:
    c = chart("psi", "PSI", [1.0, 2.0], {"a": [0.1, 0.2]}, lines={"warn": 0.1})
    assert c["series"][1] == {"label": "warn", "values": [0.1, 0.1], "dash": True}
