"""Chart and table payloads for the pages: time series downsampled to a bounded number of
points (so 30 days of windows stay small), every chart with its table equivalent.

A chart is ``{"id", "title", "x": [epoch s], "series": [{"label", "values", "dash"}],
"y_label"}``; ``static/dashboard.js`` draws it with uPlot and writes the same numbers as
a table under it. Colours are assigned in the browser from the Okabe-Ito palette.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

MAX_POINTS = 720
"""Points per series at most: 30 days of 1-minute windows become 1-hour buckets."""


def _worst(values: list[float]) -> float:
    return max(values)


def downsample(rows: Sequence[dict], fields: Sequence[str], max_points: int = MAX_POINTS,
               pick: Callable[[list[float]], float] = _worst) -> tuple[list[float], dict]:
    """``rows`` (with ``window_end_ms``, oldest first) as x (epoch s) and one value list per
    field, consecutive windows merged into at most ``max_points`` buckets (``pick`` of each
    bucket's values; the worst by default, so a spike stays visible)."""
    rows = sorted(rows, key=lambda r: r["window_end_ms"])
    size = max(1, -(-len(rows) // max_points))
    xs: list[float] = []
    out: dict[str, list[float | None]] = {f: [] for f in fields}
    for start in range(0, len(rows), size):
        bucket = rows[start:start + size]
        xs.append(bucket[-1]["window_end_ms"] / 1000)
        for f in fields:
            values = [r[f] for r in bucket if r.get(f) is not None]
            out[f].append(round(pick(values), 6) if values else None)
    return xs, out


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
