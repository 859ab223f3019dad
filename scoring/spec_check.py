"""What a training run would make of a CRM export, before training: ``leadstream spec check``.

Reads the export through the spec exactly as training does (:func:`read_crm_export`) and
reports, per feature, how much is missing, what falls outside the range, and which
categories would be kept or merged into "unseen"; the export's columns the spec ignores;
the rows dropped and why (naming unknown target values); the class balance against the
minimum-data gate; the split training would use; and the features that likely leak the
target (:mod:`scoring.leakage`). Pure: no MLflow, nothing written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from schemas.spec import MISSING, CategoricalFeature, FeatureSpec
from scoring.crm_export import ExportReport, detect_separator, read_crm_export
from scoring.features import learn_vocabularies
from scoring.leakage import DEFAULT_LEAKY_NAMES, LeakageWarning, leakage_warnings
from scoring.split import TIME_COLUMN


@dataclass(frozen=True)
class FeatureCheck:
    name: str
    column: str
    kind: str
    missing_share: float
    detail: str
    """Numeric: the range seen and unparsable cells; categorical: kept vs merged values."""


@dataclass(frozen=True)
class SpecCheck:
    report: ExportReport
    features: list[FeatureCheck]
    ignored_columns: list[str]
    positives: int
    negatives: int
    gate: str
    """'ok', or what the minimum-data gate would refuse."""
    split: str
    leakage: list[LeakageWarning]
    """Features that likely leak the target: warnings, training is not refused."""

    def as_dict(self) -> dict:
        return {**asdict(self), "report": {**asdict(self.report),
                                           "summary": self.report.summary()}}


def check_export(path: str | Path, spec: FeatureSpec, target: str | None = None,
                 sep: str | None = None, min_rows: int = 200, min_positives: int = 40,
                 min_negatives: int = 40,
                 leaky_names: tuple[str, ...] = DEFAULT_LEAKY_NAMES) -> SpecCheck:
    path = Path(path)
    sep = sep or detect_separator(path)
    frame, report = read_crm_export(path, spec, target, sep)
    header = pd.read_csv(path, sep=sep, nrows=0).columns
    used = {f.column for f in spec.features} | {
        c for c in (target or spec.target_source or spec.target, spec.id_source,
                    spec.time_source) if c}
    features = [_feature(frame, f, report, spec) for f in spec.features]
    y = frame[spec.target].to_numpy()
    positives, negatives = int(y.sum()), int(y.size - y.sum())
    short = [f"{have} {what} < {need}" for have, what, need in (
        (len(y), "rows", min_rows), (positives, "conversions", min_positives),
        (negatives, "non-conversions", min_negatives)) if have < need]
    split = (f"by time ({spec.time_source}: newest 20 % tested)" if TIME_COLUMN in frame
             else "stratified at random (the spec names no time_source)")
    return SpecCheck(report, features, [c for c in header if c not in used], positives,
                     negatives, "ok" if not short else "refused: " + ", ".join(short), split,
                     leakage_warnings(frame, spec, leaky_names))


def _feature(frame: pd.DataFrame, f, report: ExportReport, spec: FeatureSpec) -> FeatureCheck:
    if isinstance(f, CategoricalFeature):
        values = frame[f.name]
        missing = float(values.isna().mean()) if len(values) else 0.0
        vocab = learn_vocabularies(spec.model_copy(update={"features": (f,)}),
                                   {f.name: values.to_numpy(dtype=object)})[f.name]
        seen = Counter(f.normalize(v) for v in values if isinstance(v, str))
        merged = [v for v in seen if v not in vocab and v != MISSING]
        detail = (f"{len(seen)} values, {len([v for v in vocab if v != MISSING])} kept, "
                  f"{len(merged)} rare -> unseen")
        return FeatureCheck(f.name, f.column, "categorical", missing, detail)
    x = frame[f.name].to_numpy(dtype=np.float64)
    missing = float(np.isnan(x).mean()) if x.size else 0.0
    finite = x[~np.isnan(x)]
    seen = f"{finite.min():g}..{finite.max():g}" if finite.size else "no values"
    bad = report.unparsable.get(f.name, 0)
    out = report.dropped.get(f"{f.name} out of range", 0)
    detail = f"{seen}, {bad} unparsable, {out} rows out of range"
    return FeatureCheck(f.name, f.column, "numeric", missing, detail)
