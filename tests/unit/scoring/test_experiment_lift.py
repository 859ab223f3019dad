"""Rates, absolute and relative lift with 95 % CIs; coverage checked by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scoring.experiments import ArmCounts, lift
from scoring.experiments.intervals import wilson, z_value
from scoring.experiments.lift import katz_relative, newcombe_difference, wald_difference

Z = z_value(0.95)


def test_point_estimates():
    result = lift(ArmCounts(1000, 100), ArmCounts(1000, 120))
    assert result.control_rate == 0.1 and result.treatment_rate == 0.12
    assert result.absolute.estimate == pytest.approx(0.02)
    assert result.relative.estimate == pytest.approx(0.2)
    assert result.absolute.lower < 0.02 < result.absolute.upper
    assert result.relative.lower < 0.2 < result.relative.upper


def test_wilson_matches_the_textbook_example():
    # Newcombe (1998): 81/263 → Wilson 95 % interval 0.2553 to 0.3662.
    low, high = wilson(81, 263, Z)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)


def test_newcombe_matches_the_paper_example():
    # Newcombe (1998), method 10, example 56/70 - 48/80: 0.0524 to 0.3339.
    ci = newcombe_difference(ArmCounts(80, 48), ArmCounts(70, 56), Z)
    assert (round(ci.lower, 4), round(ci.upper, 4)) == (0.0524, 0.3339)


def test_katz_log_interval_formula():
    ci = katz_relative(ArmCounts(1000, 100), ArmCounts(1000, 120), Z)
    se = math.sqrt(1 / 120 - 1 / 1000 + 1 / 100 - 1 / 1000)
    assert ci.lower == pytest.approx(1.2 * math.exp(-Z * se) - 1)
    assert ci.upper == pytest.approx(1.2 * math.exp(Z * se) - 1)


def test_undefined_cases_give_none_bounds():
    assert lift(ArmCounts(0, 0), ArmCounts(10, 1)).absolute.lower is None
    assert katz_relative(ArmCounts(100, 0), ArmCounts(100, 3), Z).lower is None


@pytest.mark.parametrize(("pc", "pt", "n"), [(0.10, 0.12, 800), (0.03, 0.04, 1500)])
def test_coverage_is_about_95_percent(pc, pt, n):
    rng = np.random.default_rng(21)
    reps = 2000
    xc, xt = rng.binomial(n, pc, reps), rng.binomial(n, pt, reps)
    hits = {"newcombe": 0, "wald": 0, "katz": 0}
    for a, b in zip(xc.tolist(), xt.tolist(), strict=True):
        c, t = ArmCounts(n, a), ArmCounts(n, b)
        hits["newcombe"] += newcombe_difference(c, t, Z).lower <= pt - pc <= (
            newcombe_difference(c, t, Z).upper)
        w = wald_difference(c, t, Z)
        hits["wald"] += w.lower <= pt - pc <= w.upper
        k = katz_relative(c, t, Z)
        hits["katz"] += k.lower <= pt / pc - 1 <= k.upper
    for method, count in hits.items():
        assert 0.93 <= count / reps <= 0.97, (method, count / reps)
