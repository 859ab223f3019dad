"""Train / validation / test splits of a training frame, and what each one means.

- **By time** (the frame has :data:`TIME_COLUMN`, filled from the spec's ``time_source``): rows
  sorted by it (ties in input order); the newest ``test_fraction`` is the test split, the
  ``valid_fraction`` before it the validation split, the oldest rest the training split.
  This is how a model meets leads in production, so its test AUC is the honest one
  (Dynamics 365 reports accuracy on the most recent 20 % of leads the same way).
- **At random**: stratified by the target and seeded, when no time column is there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

TIME_COLUMN = "lead_time"


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    description: str


def split_rows(frame: pd.DataFrame, target: str, valid_fraction: float,
               test_fraction: float, seed: int, by_time: bool = True) -> Split:
    shares = (f"{1 - valid_fraction - test_fraction:.0%} train / {valid_fraction:.0%} "
              f"validation / {test_fraction:.0%} test")
    if by_time and TIME_COLUMN in frame:
        return _by_time(frame, valid_fraction, test_fraction, shares)
    rest, test = train_test_split(frame, test_size=test_fraction, stratify=frame[target],
                                  random_state=seed)
    share = valid_fraction / (1 - test_fraction)
    train, valid = train_test_split(rest, test_size=share, stratify=rest[target],
                                    random_state=seed)
    return Split(train, valid, test, f"stratified random split, {shares} (seed {seed})")


def _by_time(frame: pd.DataFrame, valid_fraction: float, test_fraction: float,
             shares: str) -> Split:
    ordered = frame.sort_values(TIME_COLUMN, kind="stable")
    n = len(ordered)
    n_test = max(1, round(n * test_fraction))
    n_valid = max(1, round(n * valid_fraction))
    train = ordered.iloc[: n - n_test - n_valid]
    valid = ordered.iloc[n - n_test - n_valid: n - n_test]
    test = ordered.iloc[n - n_test:]
    first, cut = test[TIME_COLUMN].iloc[0], valid[TIME_COLUMN].iloc[0]
    return Split(train, valid, test,
                 f"time-ordered split by {TIME_COLUMN}, {shares}: validation from "
                 f"{_when(cut)}, test from {_when(first)} (the newest leads)")


def _when(value: float) -> str:
    if value > 10**8:  # epoch seconds of a date, not a lead number
        return pd.Timestamp(value, unit="s", tz="UTC").strftime("%Y-%m-%d %H:%M")
    return f"{value:g}" if np.isfinite(value) else "?"
