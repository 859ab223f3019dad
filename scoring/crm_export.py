"""Reading a CRM export (CSV) through a feature spec into training data.

Each feature is read from its ``source`` column (default: its name) through the spec's
field policy (:meth:`~schemas.spec.NumericFeature.read`), the same one live events go
through: empty cells and the feature's ``null_values`` (e.g. ``Select``, ``999``) become
missing; categorical values are stripped and case-folded as the spec says, exactly as the
scorer will see them; numeric cells that do not parse count as missing. Rows are dropped,
and counted by reason, when the target is missing or not a recognizable 0/1, when a
``missing = "reject"`` feature is absent, or when a numeric value lies outside the spec's
range (the scorer would dead-letter such an event, so the model should not learn from it).
The delimiter is detected (comma, semicolon, tab or pipe) unless given; the target's
accepted values are :data:`POSITIVE` and :data:`NEGATIVE`, and the report names the most
frequent values that are neither.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from schemas.errors import FatalError
from schemas.spec import CategoricalFeature, FeatureSpec, MissingPolicy, NumericFeature
from scoring.split import TIME_COLUMN

POSITIVE = frozenset({"1", "1.0", "yes", "y", "true", "t", "converted", "won"})
NEGATIVE = frozenset({"0", "0.0", "no", "n", "false", "f", "not converted", "lost"})


class ExportError(FatalError):
    """The CRM export cannot be read through this spec."""


@dataclass(frozen=True)
class ExportReport:
    path: str
    rows_read: int
    rows_kept: int
    dropped: dict[str, int] = field(default_factory=dict)
    """Rows dropped, by reason."""
    unparsable: dict[str, int] = field(default_factory=dict)
    """Numeric cells that did not parse (treated as missing), per feature."""
    sep: str = ","
    """The delimiter the file was read with."""
    unknown_targets: dict[str, int] = field(default_factory=dict)
    """The most frequent target values that are neither a conversion nor a non-conversion."""

    def summary(self) -> str:
        reasons = ", ".join(f"{k}: {v}" for k, v in self.dropped.items() if v) or "none"
        text = f"{self.path}: kept {self.rows_kept} of {self.rows_read} rows (dropped: {reasons})"
        if self.unknown_targets:
            values = ", ".join(f"{v!r} x{n}" for v, n in self.unknown_targets.items())
            text += (f"; target values not recognised: {values} (accepted: "
                     f"{', '.join(sorted(POSITIVE))} / {', '.join(sorted(NEGATIVE))})")
        return text


def read_crm_export(
    path: str | Path, spec: FeatureSpec, target: str | None = None, sep: str | None = None,
    need_target: bool = True,
) -> tuple[pd.DataFrame, ExportReport]:
    """Columns ``lead_id``, the spec's features, ``spec.target`` (0/1) and, when the spec has
    a ``time_source``, :data:`TIME_COLUMN`; plus a report.

    ``target`` names the CSV's outcome column; default the spec's ``target_source``
    (then its ``target``). ``sep`` is the delimiter; by default it is detected
    (:func:`detect_separator`). With ``need_target=False`` a file without the target column
    is read too (to replay leads): the frame then has no target column.
    """
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"CRM export not found: {path}")
    sep = sep or detect_separator(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, sep=sep)
    target_col = target or spec.target_source or spec.target
    has_target = target_col in raw.columns or need_target
    needed = [f.column for f in spec.features] + ([target_col] if has_target else []) + (
        [spec.id_source] if spec.id_source else []) + (
        [spec.time_source] if spec.time_source else [])
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise ExportError(
            f"{path}: column(s) {missing} named by spec {spec.name!r} are not in the file; "
            f"it has {list(raw.columns)}"
        )
    out = pd.DataFrame(index=raw.index)
    out["lead_id"] = (raw[spec.id_source].str.strip() if spec.id_source
                      else pd.Series([f"row-{i + 1}" for i in range(len(raw))], index=raw.index))
    drop: dict[str, np.ndarray] = {}
    unparsable: dict[str, int] = {}
    for f in spec.features:
        cells = raw[f.column].map(f.read)  # the field policy live events get too
        absent = cells.isna()
        if isinstance(f, CategoricalFeature):
            out[f.name] = [None if a else f.normalize(v)
                           for v, a in zip(cells, absent, strict=True)]
        else:
            values = pd.to_numeric(cells, errors="coerce")
            unparsable[f.name] = int((values.isna() & ~absent).sum())
            out[f.name] = values.astype(np.float64)
            drop[f"{f.name} out of range"] = _out_of_range(values, f)
        if f.missing is MissingPolicy.REJECT:
            drop[f"{f.name} missing"] = out[f.name].isna().to_numpy()
    unknown: dict[str, int] = {}
    if has_target:
        labels = raw[target_col].str.strip().str.lower()
        out[spec.target] = np.where(labels.isin(POSITIVE), 1, 0)
        strange = ~labels.isin(POSITIVE | NEGATIVE)
        drop[f"target {target_col!r} not 0/1"] = strange.to_numpy()
        unknown = raw[target_col][strange].str.strip().value_counts().head(5).to_dict()
    drop["duplicate lead id"] = out["lead_id"].duplicated().to_numpy()
    if spec.time_source:
        out[TIME_COLUMN] = lead_times(raw[spec.time_source])
        drop[f"time {spec.time_source!r} not readable"] = out[TIME_COLUMN].isna().to_numpy()
    dropped, keep = _tally(drop, len(raw))
    frame = out[keep].reset_index(drop=True)
    report = ExportReport(str(path), len(raw), len(frame), dropped, unparsable, sep,
                          {str(k): int(v) for k, v in unknown.items()})
    if frame.empty:
        raise ExportError(f"no usable rows: {report.summary()}")
    return frame, report


SEPARATORS = ",;\t|"


def detect_separator(path: Path) -> str:
    """The delimiter of a CSV export, sniffed from its first 64 KB (``,`` ``;`` tab ``|``);
    a comma when the sniffer cannot tell (one column, say)."""
    with path.open(newline="", encoding="utf-8", errors="replace") as f:
        sample = f.read(65536)
    try:
        return csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:
        return ","


def lead_times(cells: pd.Series) -> pd.Series:
    """A column that orders leads in time, as float64: numbers as they are (a lead number),
    else dates as epoch seconds (UTC); unreadable cells NaN."""
    cells = cells.str.strip()
    numbers = pd.to_numeric(cells, errors="coerce")
    if numbers.notna().sum() >= (cells != "").sum():
        return numbers.astype(np.float64)
    dates = pd.to_datetime(cells, errors="coerce", utc=True, format="mixed")
    epoch = pd.Timestamp(0, tz="UTC")
    return (dates - epoch).dt.total_seconds().astype(np.float64)


def _out_of_range(values: pd.Series, f: NumericFeature) -> np.ndarray:
    x = values.to_numpy(dtype=np.float64)
    bad = np.zeros(x.size, dtype=bool)
    if f.min is not None:
        bad |= x < f.min
    if f.max is not None:
        bad |= x > f.max
    return bad


def _tally(drop: dict[str, np.ndarray], n: int) -> tuple[dict[str, int], np.ndarray]:
    """Count each row once, under the first reason that drops it."""
    keep = np.ones(n, dtype=bool)
    dropped = {}
    for reason, mask in drop.items():
        dropped[reason] = int((mask & keep).sum())
        keep &= ~mask
    return dropped, keep
