# ruff: noqa: RUF002  (math notation in docstrings is intended)
"""One mSPRT look against the formulas of Johari et al. (2017), worked out with ``math``.

For cumulative counts, with the +1/+2 smoothing of the module docstring:
``V = s_c(1-s_c)/n_c + s_t(1-s_t)/n_t``,
``log Λ = ½ log(V/(V+τ²)) + τ² θ̂² / (2V(V+τ²))``, ``p = min(1, 1/Λ)``, and the interval
``θ̂ ± sqrt(2V(V+τ²)/τ² · (log(1/α) + ½ log((V+τ²)/V)))``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from scoring.experiments import ArmCounts, SequentialState, sequential_look
from scoring.experiments.sequential import (
    DEFAULT_BURN_IN,
    DEFAULT_TAU2,
    difference_and_variance,
    treatment_below_control,
)


def by_hand(nc, xc, nt, xt, tau2=DEFAULT_TAU2, alpha=0.05):
    sc, st = (xc + 1) / (nc + 2), (xt + 1) / (nt + 2)
    v = sc * (1 - sc) / nc + st * (1 - st) / nt
    theta = xt / nt - xc / nc
    log_lr = 0.5 * math.log(v / (v + tau2)) + tau2 * theta**2 / (2 * v * (v + tau2))
    half = math.sqrt(2 * v * (v + tau2) / tau2
                     * (math.log(1 / alpha) + 0.5 * math.log((v + tau2) / v)))
    return theta, v, min(1.0, math.exp(-log_lr)), theta - half, theta + half


@pytest.mark.parametrize(("nc", "xc", "nt", "xt"), [
    (2000, 200, 2000, 260),   # significant lift
    (1500, 150, 1600, 158),   # nothing to see
    (800, 120, 900, 80),      # treatment worse
    (300, 0, 300, 3),         # almost no conversions: the smoothing matters
])
def test_one_look_matches_the_formulas(nc, xc, nt, xt):
    theta, v, p, lower, upper = by_hand(nc, xc, nt, xt)
    s = sequential_look(SequentialState(), ArmCounts(nc, xc), ArmCounts(nt, xt))
    assert s.estimate == pytest.approx(theta, rel=1e-12)
    assert s.p_value == pytest.approx(p, rel=1e-9)
    assert (s.lower, s.upper) == pytest.approx((lower, upper), rel=1e-12)
    _, got_v = difference_and_variance(xc, nc, xt, nt)
    assert float(got_v) == pytest.approx(v, rel=1e-12)


def test_other_tau_and_alpha_follow_the_formulas():
    _, _, p, lower, upper = by_hand(2000, 200, 2000, 250, tau2=1e-3, alpha=0.01)
    s = sequential_look(SequentialState(), ArmCounts(2000, 200), ArmCounts(2000, 250),
                        tau2=1e-3, alpha=0.01)
    assert s.p_value == pytest.approx(p, rel=1e-9)
    assert (s.lower, s.upper) == pytest.approx((lower, upper), rel=1e-12)


def test_a_look_never_raises_the_p_value_or_widens_the_interval():
    first = sequential_look(SequentialState(), ArmCounts(2000, 200), ArmCounts(2000, 260))
    later = sequential_look(first, ArmCounts(4000, 400), ArmCounts(4000, 410))
    _, _, p2, lower2, upper2 = by_hand(4000, 400, 4000, 410)
    assert p2 > first.p_value and later.p_value == first.p_value
    assert later.lower == pytest.approx(max(first.lower, lower2), rel=1e-12)
    assert later.upper == pytest.approx(min(first.upper, upper2), rel=1e-12)


def test_burn_in_is_reached_at_exactly_its_count():
    below = sequential_look(SequentialState(), ArmCounts(DEFAULT_BURN_IN - 1, 0),
                            ArmCounts(5000, 4000))
    assert (below.p_value, below.lower, below.upper, below.estimate) == (1.0, -1.0, 1.0, None)
    at = sequential_look(SequentialState(), ArmCounts(DEFAULT_BURN_IN, 0),
                         ArmCounts(DEFAULT_BURN_IN, 60))
    assert at.p_value < 1e-3 and at.estimate == pytest.approx(0.6)
    one = sequential_look(SequentialState(), ArmCounts(1, 0), ArmCounts(1, 1), burn_in=0)
    assert one.estimate == 1.0  # burn-in 0 still needs one outcome per arm


def test_no_evidence_keeps_p_at_one():
    s = sequential_look(SequentialState(), ArmCounts(1000, 100), ArmCounts(1000, 100))
    assert s.p_value == 1.0 and s.estimate == 0.0


def test_empty_arms_give_nan_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        theta, v = difference_and_variance(0, 0, 0, 0)
    assert np.isnan(theta) and np.isinf(v)


def test_guardrail_verdict_needs_significance_and_an_interval_below_zero():
    assert treatment_below_control(SequentialState(p_value=0.04, upper=-0.001))
    assert not treatment_below_control(SequentialState(p_value=0.04, upper=0.0))
    assert not treatment_below_control(SequentialState(p_value=0.06, upper=-0.01))
    assert treatment_below_control(SequentialState(p_value=0.06, upper=-0.01), alpha=0.1)
    assert SequentialState(p_value=0.05).significant(0.05)
