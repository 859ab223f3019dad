"""Unseen categories: counted in their own bin, reported as a share, and they drive drift.

The window here really contains categories the reference never saw (the shared
generator draws only known ones), and every expected value is counted from the raw
column by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from monitors.drift import evaluate_drift
from monitors.sketches import WindowSample
from schemas.monitor import Severity

from .conftest import SOURCES, draw, scores_of


def window_with_unseen(binner, profile, key, n: int, unseen_rate: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    cols = draw(rng, n)
    src = cols["lead_source"]
    new = rng.random(n) < unseen_rate
    src[new] = rng.choice(["podcast", "tv", "Billboard"], size=int(new.sum()))
    sample = WindowSample.empty(key, profile).update(
        binner, cols, scores_of(cols), np.ones(n), None)
    return sample, src


def hand_counts(src: np.ndarray) -> tuple[int, int]:
    unseen = sum(1 for v in src if v is not None and str(v).strip().lower() not in SOURCES)
    missing = sum(1 for v in src if v is None)
    return unseen, missing


def test_unseen_share_is_the_share_of_unknown_categories(binner, profile, key):
    sample, src = window_with_unseen(binner, profile, key, 2000, 0.07)
    unseen, missing = hand_counts(src)
    assert 100 < unseen < 180  # the window really holds unseen categories
    f = next(f for f in evaluate_drift(sample, profile).features if f.name == "lead_source")
    assert f.unseen_share == pytest.approx(unseen / 2000)
    assert f.missing_share == pytest.approx(missing / 2000)
    assert sample.categorical["lead_source"][-2] == unseen


def test_numeric_features_have_no_unseen_share(binner, profile, key):
    sample, _ = window_with_unseen(binner, profile, key, 500, 0.2)
    numeric = [f for f in evaluate_drift(sample, profile).features if f.kind == "numeric"]
    assert numeric and all(f.unseen_share is None for f in numeric)


def test_many_unseen_categories_are_critical_drift(binner, profile, key):
    sample, src = window_with_unseen(binner, profile, key, 1000, 0.3, seed=1)
    result = evaluate_drift(sample, profile)
    f = next(f for f in result.features if f.name == "lead_source")
    # PSI by hand over the lead_source bins: window shares q against reference shares p,
    # both floored at 1e-4 (the reference has no unseen leads at all)
    counts = sample.categorical["lead_source"]
    q = np.maximum(counts / counts.sum(), 1e-4)
    p = np.maximum(np.asarray(profile.categorical["lead_source"].proportions), 1e-4)
    assert profile.categorical["lead_source"].proportions[-2] == 0.0
    assert f.psi == pytest.approx(float(np.sum((q - p) * np.log(q / p))), rel=1e-12)
    assert f.psi > 1.0 and f.severity is Severity.CRITICAL
    assert f.unseen_share == pytest.approx(hand_counts(src)[0] / 1000)
    assert result.verdict is Severity.CRITICAL


def test_a_few_unseen_leads_in_a_small_window_are_not_critical(binner, profile, key):
    sample, src = window_with_unseen(binner, profile, key, 400, 0.01, seed=2)
    f = next(f for f in evaluate_drift(sample, profile).features if f.name == "lead_source")
    assert 0 < hand_counts(src)[0] <= 10
    assert f.unseen_share == pytest.approx(hand_counts(src)[0] / 400)
    assert f.severity is not Severity.CRITICAL
