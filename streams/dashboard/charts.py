"""Chart and table payloads for the pages: time series downsampled to a bounded number of
points (so 30 days of windows stay small), every chart with its table equivalent.

A chart is ``{"id", "title", "x": [epoch s], "series": [{"label", "values", "dash"}],
"y_label"}``; ``static/dashboard.js`` draws it with uPlot and writes the same numbers as
a table under it. Colours are assigned in the browser from the Okabe-Ito palette.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

MAX_POINTS = 720
"""Points per series at most: 30 days of 1-minute windows become 1-hour buckets."""


def downsample(times_ms: np.ndarray, columns: dict[str, np.ndarray], names: Sequence[str],
               max_points: int = MAX_POINTS, how: str = "max"
               ) -> tuple[list[float], dict[str, list[float | None]]]:
    """Windows (end times ascending, ms) as x (epoch s) and one value list per name,
    consecutive windows merged into at most ``max_points`` buckets: the max of each bucket
    (the worst, so a spike stays visible), or its ``min`` or ``sum``; None where a bucket
    has no value. A name missing from ``columns`` gives None everywhere."""
    n = len(times_ms)
    if n == 0:
        return [], {name: [] for name in names}
    size = max(1, -(-n // max_points))
    buckets = -(-n // size)
    ends = np.minimum(np.arange(1, buckets + 1) * size, n) - 1
    x = (times_ms[ends] / 1000).tolist()
    out: dict[str, list[float | None]] = {}
    for name in names:
        padded = np.full(buckets * size, np.nan)
        padded[:n] = columns.get(name, np.full(n, np.nan))
        grid = padded.reshape(buckets, size)
        empty = np.isnan(grid).all(axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            merged = {"max": np.nanmax, "min": np.nanmin, "sum": np.nansum}[how](grid, axis=1)
        out[name] = [None if e else round(float(v), 6)
                     for v, e in zip(merged.tolist(), empty.tolist(), strict=True)]
    return x, out


def chart(cid: str, title: str, x: list[float], series: dict[str, list], y_label: str = "",
          lines: dict[str, float] | None = None, note: str = "") -> dict:
    """A line chart; ``lines`` are horizontal reference lines (thresholds), drawn dashed."""
    drawn = [{"label": k, "values": v, "dash": False} for k, v in series.items()]
    drawn += [{"label": k, "values": [v] * len(x), "dash": True}
              for k, v in (lines or {}).items()]
    return {"id": cid, "title": title, "x": x, "series": drawn, "y_label": y_label,
            "note": note, "points": len(x)}


def table(tid: str, title: str, columns: Sequence[str], rows: Sequence[Sequence],
          note: str = "") -> dict:
    return {"id": tid, "title": title, "columns": list(columns),
            "rows": [[_cell(c) for c in row] for row in rows], "note": note}


def _cell(value: object) -> object:
    if isinstance(value, float):
        return round(value, 4)
    return value


def fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}g}"
