"""Binning follows the profile's convention; the reference profile is built as documented."""

from __future__ import annotations

import numpy as np
import pytest

from monitors.binning import (
    Binner,
    build_reference_profile,
    categorical_counts,
    decile_edges,
    numeric_counts,
    score_counts,
    top_grade_share,
)
from schemas.profile import SCORE_EDGES
from schemas.spec import MISSING, UNSEEN, load_spec

from .conftest import draw, scores_of


def test_numeric_counts_follow_searchsorted_right_and_missing_last():
    counts = numeric_counts([1.0, 2.0], [0.5, 1.0, 1.5, 2.0, 3.0, None, float("nan")])
    np.testing.assert_array_equal(counts, [1, 2, 2, 2])


def test_numeric_counts_match_numpy_histogram_on_random_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=1000)
    edges = np.sort(rng.normal(size=7))
    full = np.concatenate([[-np.inf], edges, [np.inf]])
    hist, _ = np.histogram(x, full)  # [a, b) bins except the last; no ties with continuous x
    np.testing.assert_array_equal(numeric_counts(edges, x)[:-1], hist)


def test_categorical_counts_normalize_then_map_unseen_and_missing(spec):
    f = next(f for f in spec.categorical if f.name == "lead_source")
    values = ["Web", " referral ", "tv", None, "", float("nan"), "web"]
    counts = categorical_counts(f, ("web", "referral"), values)
    np.testing.assert_array_equal(counts, [2, 1, 1, 3])


def test_score_counts_and_hot_share():
    s = np.array([0.0, 0.049, 0.05, 0.79, 0.8, 0.95, 1.0])
    counts = score_counts(SCORE_EDGES, s)
    assert counts.sum() == 7 and counts[0] == 2 and counts[1] == 1 and counts[-1] == 2
    assert top_grade_share(counts, SCORE_EDGES, 0.8) == pytest.approx(3 / 7)
    with pytest.raises(ValueError):
        top_grade_share(counts, SCORE_EDGES, 0.81)


def test_decile_edges_are_unique_and_skip_the_minimum():
    x = np.array([0.0] * 50 + [1.0] * 30 + [2.0] * 20)
    assert decile_edges(x) == (1.0, 2.0)
    assert decile_edges(np.array([np.nan])) == ()


def test_reference_profile_matches_the_data(spec, profile):
    cols = draw(np.random.default_rng(123), 50_000)
    scores = scores_of(cols)
    eng = cols["engagement_score"]
    p = profile.numeric["engagement_score"]
    deciles = np.nanquantile(eng, np.linspace(0.1, 0.9, 9), method="inverted_cdf")
    np.testing.assert_allclose(p.edges, deciles)
    assert p.proportions[-1] == pytest.approx(np.isnan(eng).mean())
    assert sum(p.proportions) == pytest.approx(1.0)
    assert p.mean == pytest.approx(np.nanmean(eng))
    src = profile.categorical["lead_source"]
    assert src.categories[-2:] == (UNSEEN, MISSING)
    assert src.proportions[0] == pytest.approx(np.mean(cols["lead_source"] == "web"))
    assert profile.score.mean == pytest.approx(scores.mean())
    assert profile.score.top_grade_share == pytest.approx(np.mean(scores >= 0.8))
    assert profile.n_rows == 50_000 and profile.spec_fingerprint == spec.fingerprint()


def test_reference_profile_needs_learned_vocabularies():
    cols = draw(np.random.default_rng(1), 100)
    with pytest.raises(ValueError):
        build_reference_profile(cols, scores_of(cols), load_spec())


def test_binner_treats_absent_columns_as_missing(binner):
    numeric = binner.bin_numeric({}, 5)
    categorical = binner.bin_categorical({}, 5)
    assert all(v[-1] == 5 and v.sum() == 5 for v in numeric.values())
    assert all(v[-1] == 5 and v.sum() == 5 for v in categorical.values())


def test_binner_accepts_a_dataframe(binner, spec, profile):
    import pandas as pd

    cols = draw(np.random.default_rng(5), 200)
    frame = pd.DataFrame(cols)
    from_frame = binner.bin_numeric(frame, 200)
    from_dict = Binner(profile, spec).bin_numeric(cols, 200)
    for k in from_dict:
        np.testing.assert_array_equal(from_frame[k], from_dict[k])
