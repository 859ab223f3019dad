"""The horizon-bounded test at its edges: the burn-in and horizon thresholds at their exact
values, a horizon other than the default, the guard's mixing variance, the tail level at
``B = 0``, an empty arm in the vectorised pooled variance, and the words of its errors.

Expected values are computed here from the formulas (``scipy.stats.norm``, a root of the
mixing ratio with ``scipy.optimize``), not with the functions under test.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import optimize, stats

from scoring.experiments import ArmCounts, SequentialState
from scoring.experiments.bounded import (
    GUARD_SCALE,
    GUARD_SHARE,
    boundary,
    bounded_look,
    guard_tau2,
    max_variance,
    pooled_variance,
    tail_p,
    within_horizon,
)
from scoring.experiments.tuning import design_variance

ALPHA, MDE = 0.05, 0.02


def z_design(alpha: float = ALPHA) -> float:
    return stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(0.8)


def v_max_by_hand(mde: float = MDE, alpha: float = ALPHA, horizon: float = 1.0) -> float:
    return (mde / z_design(alpha)) ** 2 / horizon


def v0_by_hand(xc: int, nc: int, xt: int, nt: int) -> float:
    sp = (xc + xt + 1) / (nc + nt + 2)
    return sp * (1 - sp) * (1 / nc + 1 / nt)


def tau2_by_hand(mde: float, alpha: float) -> float:
    two_log = 2 * math.log(1 / alpha)
    r = optimize.brentq(lambda r: r - two_log - math.log1p(r), 1.0, 100.0)
    return r * (GUARD_SCALE * mde / z_design(alpha)) ** 2


def was_tested(state: SequentialState) -> bool:
    return state.estimate is not None


def test_arms_of_exactly_the_burn_in_are_tested():
    state = bounded_look(SequentialState(), ArmCounts(100, 10), ArmCounts(100, 30), MDE,
                         burn_in=100)
    assert was_tested(state) and state.estimate == pytest.approx(0.2)
    assert state.information == pytest.approx(v_max_by_hand() / v0_by_hand(10, 100, 30, 100))
    short = bounded_look(SequentialState(), ArmCounts(99, 10), ArmCounts(100, 30), MDE,
                         burn_in=100)
    assert not was_tested(short)


def test_without_a_burn_in_one_lead_per_arm_is_tested_and_none_is_not():
    state = bounded_look(SequentialState(), ArmCounts(1, 0), ArmCounts(1, 1), MDE, burn_in=0)
    assert was_tested(state) and state.estimate == 1.0
    assert state.information == pytest.approx(v_max_by_hand() / v0_by_hand(0, 1, 1, 1))
    empty = bounded_look(SequentialState(), ArmCounts(0, 0), ArmCounts(5, 1), MDE, burn_in=0)
    assert empty == SequentialState(looks=1, method="bounded_repeated_ci")


def test_a_longer_horizon_spreads_the_information():
    control, treatment = ArmCounts(3000, 300), ArmCounts(3000, 345)
    t_one = v_max_by_hand() / v0_by_hand(300, 3000, 345, 3000)
    state = bounded_look(SequentialState(), control, treatment, MDE, ALPHA, horizon=2.0)
    assert state.information == pytest.approx(t_one / 2, rel=1e-9)
    # the boundary's half-width widens with 1/sqrt(t)
    sc, st = 301 / 3002, 346 / 3002
    v = sc * (1 - sc) / 3000 + st * (1 - st) / 3000
    c = stats.norm.isf((1 - GUARD_SHARE) * ALPHA / 4)
    assert state.upper - state.estimate == pytest.approx(c * math.sqrt(v / (t_one / 2)),
                                                         rel=1e-9)


def test_a_look_between_one_and_two_horizons_is_not_tested():
    early = bounded_look(SequentialState(), ArmCounts(3000, 300), ArmCounts(3000, 330), MDE)
    counts = (530, 5300, 640, 5300)
    t = v_max_by_hand() / v0_by_hand(*counts)
    assert 1.2 < t < 1.8
    late = bounded_look(early, ArmCounts(5300, 530), ArmCounts(5300, 640), MDE)
    assert late.information == pytest.approx(t) and late.horizon_reached
    assert (late.p_value, late.lower, late.upper, late.estimate) == (
        early.p_value, early.lower, early.upper, early.estimate)


def exact_horizon(counts: tuple[int, int, int, int]) -> float:
    """A horizon at which ``t = V_max / V0`` is exactly 1.0 in floating point."""
    d, v0 = design_variance(MDE, ALPHA), v0_by_hand(*counts)
    h = d / v0
    for _ in range(64):
        if (d / h) / v0 == 1.0:
            return h
        h = math.nextafter(h, math.inf if (d / h) / v0 > 1.0 else 0.0)
    raise AssertionError("no horizon puts t at exactly 1")


def test_a_look_at_exactly_the_horizon_is_tested_and_one_past_it_is_not():
    counts = (300, 3000, 360, 3000)
    h = exact_horizon(counts)
    at = bounded_look(SequentialState(), ArmCounts(3000, 300), ArmCounts(3000, 360), MDE,
                      ALPHA, horizon=h)
    assert at.information == 1.0 and was_tested(at) and at.estimate == pytest.approx(0.02)
    assert at.p_value < 1.0 and at.horizon_reached  # the last look that is read
    past = bounded_look(SequentialState(), ArmCounts(3000, 300), ArmCounts(3000, 360), MDE,
                        ALPHA, horizon=h * (1 - 1e-12))
    assert past.information > 1.0 and not was_tested(past)


def test_within_horizon_includes_t_of_exactly_one():
    v = np.array([2e-5, 1e-5, math.nextafter(1e-5, 0.0)])
    assert within_horizon(v, 1e-5).tolist() == [True, True, False]


def test_the_guard_is_tuned_to_four_times_the_mde():
    for mde, alpha in ((0.02, 0.05), (0.005, 0.01), (0.1, 0.1)):
        assert guard_tau2(mde, alpha) == pytest.approx(tau2_by_hand(mde, alpha), rel=1e-9)


def test_a_gross_harm_is_rejected_at_the_guards_p_value():
    """50 % vs 10 % on 200 leads each: the guard's 1/Λ over its share is the p-value."""
    xc, nc, xt, nt = 100, 200, 20, 200
    theta, v0 = xt / nt - xc / nc, v0_by_hand(xc, nc, xt, nt)
    tau2 = tau2_by_hand(MDE, ALPHA)
    log_lr = 0.5 * math.log(v0 / (v0 + tau2)) + tau2 * theta**2 / (2 * v0 * (v0 + tau2))
    p_guard = math.exp(-log_lr) / GUARD_SHARE
    b = math.sqrt(v_max_by_hand() / v0) * theta / math.sqrt(v0)
    assert p_guard < 4 * stats.norm.sf(abs(b)) / (1 - GUARD_SHARE)  # the guard decides
    state = bounded_look(SequentialState(), ArmCounts(nc, xc), ArmCounts(nt, xt), MDE, ALPHA)
    assert state.p_value == pytest.approx(p_guard, rel=1e-9)


@pytest.mark.parametrize("b", [0.0, 0.1, -0.5, 1.0, 2.26, -3.5])
def test_tail_p_is_four_normal_tails_capped_at_one(b):
    assert tail_p(b) == pytest.approx(min(1.0, 4 * stats.norm.sf(abs(b))), rel=1e-12)
    assert tail_p(b) <= 1.0


def test_pooled_variance_of_an_empty_arm_is_infinite_without_a_warning():
    xc, nc = np.array([0, 10, 3]), np.array([0, 100, 40])
    xt, nt = np.array([2, 12, 0]), np.array([10, 100, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v0 = pooled_variance(xc, nc, xt, nt)
    assert math.isinf(v0[0]) and math.isinf(v0[2])
    assert v0[1] == pytest.approx(v0_by_hand(10, 100, 12, 100), rel=1e-12)


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, 1.5])
def test_an_alpha_outside_the_unit_interval_is_refused_in_these_words(alpha):
    with pytest.raises(ValueError, match=rf"^alpha must be in \(0, 1\), got {alpha}$"):
        boundary(alpha)


def test_a_horizon_that_is_not_positive_is_refused_in_these_words():
    with pytest.raises(ValueError, match=r"^horizon must be > 0, got -1.0$"):
        max_variance(MDE, ALPHA, -1.0)
