"""Likely target leakage in a CRM export: a feature that ranks the outcome too well alone,
or one whose name says it is known only after the outcome (``leadstream spec check``).

A value recorded after the sales call (the bank export's ``duration``, X Education's
``Tags``) makes a model that looks excellent offline and is useless live, where the value
does not exist yet when the lead is scored. Two signs, each a warning, never a refusal:

- **alone, it ranks the target with AUC ≥ ``LEAKY_AUC``** (0.9). Numeric: the AUC of the
  raw value, in either direction, missing values placed at either end (whichever ranks
  best). Categorical: the AUC of each row's category conversion rate, learned
  out-of-fold (``FOLDS`` folds; a category absent from the other folds gets the overall
  rate): a high-cardinality id, one row per value, then ranks nothing (AUC 0.5) instead of
  looking perfect by memorising each row's outcome.
- **its name or export column is in a list** of names known to leak
  (``LEADSTREAM_SPEC_LEAKY_NAMES``, default :data:`DEFAULT_LEAKY_NAMES`), compared in a
  normal form (case folded, runs of other characters as ``_``).

Pure: a frame as :func:`scoring.crm_export.read_crm_export` returns it in, warnings out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from schemas.spec import CategoricalFeature, FeatureSpec
from scoring.metrics import auc_roc

LEAKY_AUC = 0.9
FOLDS = 5
MIN_ROWS = 20
"""Fewer rows (or a single class): no AUC is computed."""
DEFAULT_LEAKY_NAMES = ("duration", "tags", "lead_quality", "last_activity",
                       "last_notable_activity")
"""Known only after contact: the bank marketing export's call ``duration``; X Education's
sales-staff fields (its dataset README)."""


@dataclass(frozen=True)
class LeakageWarning:
    feature: str
    column: str
    auc: float | None
    """The feature's AUC alone (``None``: not computed)."""
    why: str

    def text(self) -> str:
        return f"{self.feature} (column {self.column!r}): {self.why}"


def normal_name(name: str) -> str:
    """``"Last Notable Activity"`` → ``"last_notable_activity"``."""
    return re.sub(r"[^0-9a-z]+", "_", name.casefold()).strip("_")


def leakage_warnings(frame: pd.DataFrame, spec: FeatureSpec,
                     leaky_names: Iterable[str] = DEFAULT_LEAKY_NAMES,
                     threshold: float = LEAKY_AUC) -> list[LeakageWarning]:
    """The spec's features that likely leak the target, in spec order."""
    y = frame[spec.target].to_numpy(dtype=np.float64)
    names = {normal_name(n) for n in leaky_names if normal_name(n)}
    out = []
    for f in spec.features:
        auc = (categorical_auc(frame[f.name], y, f) if isinstance(f, CategoricalFeature)
               else numeric_auc(frame[f.name].to_numpy(dtype=np.float64), y))
        why = []
        if auc is not None and auc >= threshold:
            why.append(f"alone it ranks the outcome with AUC {auc:.3f} (>= {threshold:g}): "
                       "is it known only after the outcome?")
        if {normal_name(f.name), normal_name(f.column)} & names:
            why.append("its name is on the list of values known only after contact "
                       "(LEADSTREAM_SPEC_LEAKY_NAMES)")
        if why:
            out.append(LeakageWarning(f.name, f.column, auc, "; ".join(why)))
    return out


def numeric_auc(x: np.ndarray, y: np.ndarray) -> float | None:
    """How well the raw value alone ranks ``y``: the best of either direction, with missing
    values ranked lowest or highest."""
    if not _enough(y) or np.isnan(x).all():
        return None
    best = 0.0
    for fill in (-np.inf, np.inf):
        auc = auc_roc(y, np.where(np.isnan(x), fill, x))
        best = max(best, auc, 1.0 - auc)
    return best


def categorical_auc(values: pd.Series, y: np.ndarray, f: CategoricalFeature,
                    folds: int = FOLDS, seed: int = 0) -> float | None:
    """AUC of each row's category conversion rate, learned on the other folds."""
    if not _enough(y):
        return None
    codes, uniques = pd.factorize(values, use_na_sentinel=True)  # NaN: -1, the last below
    labels = [f.normalize(u if isinstance(u, str) else None) for u in uniques]
    cats = pd.factorize(np.array([*labels, f.normalize(None)], dtype=object))[0][codes]
    k = int(cats.max()) + 1
    fold = np.random.default_rng(seed).permutation(y.size) % folds
    rate = np.empty(y.size)
    for i in range(folds):
        held = fold == i
        n = np.bincount(cats[~held], minlength=k)
        pos = np.bincount(cats[~held], weights=y[~held], minlength=k)
        learned = np.where(n > 0, pos / np.maximum(n, 1), y[~held].mean())
        rate[held] = learned[cats[held]]
    return auc_roc(y, rate)


def _enough(y: np.ndarray) -> bool:
    return y.size >= MIN_ROWS and 0 < y.sum() < y.size
