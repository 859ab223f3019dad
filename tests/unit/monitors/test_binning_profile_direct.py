"""The reference profile built inside the test (the session fixture is built once, by
whichever test asks first) and decile edges worked out by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from monitors.binning import build_reference_profile, decile_edges

from .conftest import SOURCES, draw, scores_of


def test_decile_edges_of_one_to_a_hundred_and_one_are_the_ceilings() -> None:
    # inverted CDF: the q-quantile of 1..101 is the ceil(101 q)-th value: 10.1 -> 11, ...
    assert decile_edges(np.arange(1.0, 102.0)) == tuple(float(v) for v in range(11, 92, 10))


def test_profile_built_here_holds_means_and_shares_of_the_data(spec) -> None:
    cols = draw(np.random.default_rng(5), 2_000)
    profile = build_reference_profile(cols, scores_of(cols), spec)
    eng = cols["engagement_score"]
    p = profile.numeric["engagement_score"]
    assert p.mean == pytest.approx(np.nanmean(eng)) and p.std == pytest.approx(np.nanstd(eng))
    observed = eng[~np.isnan(eng)]
    bounds = [-np.inf, *p.edges, np.inf]  # a bin holds lo <= x < hi
    expected = [np.sum((observed >= lo) & (observed < hi)) / eng.size
                for lo, hi in itertools.pairwise(bounds)] + [np.isnan(eng).mean()]
    np.testing.assert_allclose(p.proportions, expected, atol=1e-12)
    src = profile.categorical["lead_source"]
    raw = cols["lead_source"]
    shares = [np.mean(raw == s) for s in SOURCES] + [0.0, np.mean([v is None for v in raw])]
    np.testing.assert_allclose(src.proportions, shares, atol=1e-12)
