"""A column absent from a batch is binned as all-missing, never left out of the counts.

Leaving it out would break the fixed layout that makes window counts additive, and would
hide a feature that stopped arriving. Expected counts are written out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from monitors.drift import evaluate_drift
from monitors.sketches import WindowSample

from .conftest import draw, scores_of


def test_every_profile_feature_is_binned_even_with_no_columns(binner, profile):
    numeric, categorical = binner.bin_numeric({}, 5), binner.bin_categorical({}, 5)
    assert set(numeric) == set(profile.numeric) and set(categorical) == set(profile.categorical)
    for name, counts in numeric.items():
        expected = [0] * (len(profile.numeric[name].edges) + 1) + [5]
        np.testing.assert_array_equal(counts, expected)
    for name, counts in categorical.items():
        expected = [0] * (len(profile.categorical[name].categories) - 1) + [5]
        np.testing.assert_array_equal(counts, expected)


def test_an_absent_column_among_present_ones_is_all_missing(binner, profile):
    cols = draw(np.random.default_rng(0), 40)
    del cols["engagement_score"], cols["region"]
    numeric, categorical = binner.bin_numeric(cols, 40), binner.bin_categorical(cols, 40)
    assert numeric["engagement_score"][-1] == 40 and numeric["engagement_score"].sum() == 40
    assert categorical["region"][-1] == 40 and categorical["region"].sum() == 40
    # the present ones are binned as usual: every lead counted once
    assert all(numeric[k].sum() == 40 for k in cols if k in numeric)
    assert numeric["company_size"][-1] == 0


def test_a_window_missing_a_feature_keeps_its_layout_and_reports_it_missing(
        binner, profile, key):
    cols = draw(np.random.default_rng(1), 300)
    del cols["lead_source"]
    sample = WindowSample.empty(key, profile).update(binner, cols, scores_of(cols),
                                                     np.ones(300))
    full = WindowSample.empty(key, profile).update(binner, draw(np.random.default_rng(2), 10),
                                                   np.full(10, 0.5), np.ones(10))
    merged = sample.merge(full)  # same layout, so it merges
    assert merged.categorical["lead_source"].sum() == 310
    f = next(f for f in evaluate_drift(sample, profile).features if f.name == "lead_source")
    assert f.missing_share == pytest.approx(1.0)
