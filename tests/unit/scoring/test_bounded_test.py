# ruff: noqa: RUF002, RUF003  (math notation is intended)
"""The horizon-bounded test: its boundary is the reflection-principle constant, it holds α
under continuous monitoring up to its horizon, it has the issue's power at the MDE, and its
state only tightens.

Expected values come from outside the code under test: ``scipy.stats.norm``, the series
for the two-sided maximum of Brownian motion, a Monte Carlo of Brownian paths with numpy,
the formulas of one look written out here, and binomial bounds on simulated rates.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from scipy import optimize, stats

from scoring.experiments import ArmCounts, SequentialState
from scoring.experiments.bounded import (
    GUARD_SCALE,
    GUARD_SHARE,
    boundary,
    bounded_look,
    max_variance,
)
from scoring.experiments.simulation import (
    bounded_crossings,
    naive_rejections,
    simulate_looks,
)
from scoring.experiments.tuning import design_variance
from tests.strategies.experiments import count_paths

ALPHA = 0.05


def two_sided_exceedance(c: float, terms: int = 50) -> float:
    """``P(sup_{t≤1} |W(t)| ≥ c)`` from the alternating series for Brownian motion in a strip."""
    inside = sum((-1) ** k * (stats.norm.cdf((2 * k + 1) * c) - stats.norm.cdf((2 * k - 1) * c))
                 for k in range(-terms, terms + 1))
    return 1.0 - inside


@pytest.mark.parametrize("alpha", [0.001, 0.01, 0.05, 0.1, 0.2])
def test_the_boundary_is_the_reflection_principle_constant(alpha):
    c = boundary(alpha)
    assert 4 * stats.norm.sf(c) == pytest.approx(alpha, rel=1e-9)
    exact = two_sided_exceedance(c)  # the union bound is nearly tight: both sides rarely hit
    assert alpha * (1 - alpha) <= exact <= alpha


def test_brownian_paths_cross_the_boundary_at_most_alpha_of_the_time():
    rng = np.random.default_rng(4)
    paths, steps = 20_000, 1_000
    w = np.cumsum(rng.standard_normal((paths, steps)) / math.sqrt(steps), axis=1)
    crossed = (np.abs(w) >= boundary(ALPHA)).any(axis=1).mean()
    # discrete steps miss some crossings: below α, and not by more than the step effect
    assert crossed <= ALPHA + 3 * math.sqrt(ALPHA * (1 - ALPHA) / paths)
    assert crossed >= 0.8 * ALPHA


def one_look_by_hand(control: ArmCounts, treatment: ArmCounts, mde: float, alpha: float):
    """θ̂, t, p and the CI half-width of a single look, from the formulas."""
    xc, nc, xt, nt = control.conversions, control.n, treatment.conversions, treatment.n
    theta = xt / nt - xc / nc
    sc, st, sp = (xc + 1) / (nc + 2), (xt + 1) / (nt + 2), (xc + xt + 1) / (nc + nt + 2)
    v, v0 = sc * (1 - sc) / nc + st * (1 - st) / nt, sp * (1 - sp) * (1 / nc + 1 / nt)
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(0.8)
    v_max = (mde / z) ** 2
    t = v_max / v0
    b = math.sqrt(t) * theta / math.sqrt(v0)
    two_log = 2 * math.log(1 / alpha)
    r = optimize.brentq(lambda r: r - two_log - math.log1p(r), 1.0, 100.0)
    tau2 = r * (GUARD_SCALE * mde / z) ** 2  # the guard: an mSPRT tuned to 4 x MDE
    log_lr = 0.5 * math.log(v0 / (v0 + tau2)) + tau2 * theta**2 / (2 * v0 * (v0 + tau2))
    g = GUARD_SHARE
    p = min(1.0, 4 * stats.norm.sf(abs(b)) / (1 - g), math.exp(-log_lr) / g)
    c = stats.norm.isf((1 - g) * alpha / 4)
    guard_half = math.sqrt(2 * v * (v + tau2) / tau2 * (math.log(1 / (g * alpha))
                                                        + 0.5 * math.log((v + tau2) / v)))
    return theta, t, p, min(c * math.sqrt(v / t), guard_half)


@pytest.mark.parametrize(("control", "treatment"), [
    (ArmCounts(3000, 300), ArmCounts(3000, 345)),
    (ArmCounts(9000, 900), ArmCounts(1000, 70)),
    (ArmCounts(2500, 600), ArmCounts(2500, 600)),
])
def test_one_look_matches_the_formulas(control, treatment):
    theta, t, p, half = one_look_by_hand(control, treatment, 0.02, ALPHA)
    assert t < 1
    state = bounded_look(SequentialState(), control, treatment, 0.02, ALPHA)
    assert state.estimate == pytest.approx(theta)
    assert state.information == pytest.approx(t)
    assert state.p_value == pytest.approx(p, rel=1e-9)
    assert (state.lower, state.upper) == pytest.approx((theta - half, theta + half), rel=1e-9)
    assert state.method == "bounded_repeated_ci" and not state.horizon_reached


def test_at_the_horizon_it_asks_for_c_on_the_z_scale():
    """With t = 1 the boundary on z is c (2.26 with the guard's share), not 1.96."""
    n = 2 * round(0.09 * 2 / design_variance(0.02, ALPHA) / 2)  # pooled 10 %: V0 ≈ V*
    for z_wanted, rejects in ((2.20, False), (2.35, True)):
        xt = round(n * 0.1 + z_wanted * math.sqrt(0.09 * 2 / n) * n / 2)
        xc = round(n * 0.1 - z_wanted * math.sqrt(0.09 * 2 / n) * n / 2)
        state = bounded_look(SequentialState(), ArmCounts(n, xc), ArmCounts(n, xt), 0.02,
                             ALPHA)
        assert 0.95 < state.information <= 1.0
        assert state.significant(ALPHA) is rejects


def test_a_look_past_the_horizon_is_not_tested_and_changes_nothing():
    early = bounded_look(SequentialState(), ArmCounts(3000, 300), ArmCounts(3000, 330), 0.02)
    late = bounded_look(early, ArmCounts(30000, 3000), ArmCounts(30000, 4000), 0.02)
    assert late.horizon_reached and late.looks == 2
    assert (late.p_value, late.lower, late.upper, late.estimate) == (
        early.p_value, early.lower, early.upper, early.estimate)
    again = bounded_look(late, ArmCounts(300, 30), ArmCounts(300, 30), 0.02)
    assert again.horizon_reached and again.p_value == early.p_value


def test_nothing_is_tested_before_the_burn_in():
    state = bounded_look(SequentialState(), ArmCounts(99, 0), ArmCounts(5000, 4000), 0.02,
                         burn_in=100)
    assert state == SequentialState(looks=1, method="bounded_repeated_ci")


def test_the_guard_stops_a_gross_harm_early():
    """50 % vs 10 % on 200 leads each: far inside the boundary's early strictness
    (t ≈ 0.02 asks |z| ≥ 16), caught by the guard."""
    state = bounded_look(SequentialState(), ArmCounts(200, 100), ArmCounts(200, 20), 0.02)
    assert state.information < 0.05
    assert state.significant(ALPHA) and state.upper < 0


@settings(max_examples=200, deadline=None)
@given(path=count_paths())
def test_the_state_only_tightens(path):
    state = SequentialState()
    for control, treatment in path:
        new = bounded_look(state, control, treatment, 0.02, ALPHA, burn_in=1)
        assert new.looks == state.looks + 1
        assert new.p_value <= state.p_value and 0.0 <= new.p_value <= 1.0
        assert new.lower >= state.lower and new.upper <= state.upper
        if state.horizon_reached:
            assert (new.p_value, new.lower, new.upper) == (state.p_value, state.lower,
                                                           state.upper)
        state = new


def test_a_aa_watched_at_500_looks_to_the_horizon_stays_below_alpha():
    """Plug-in variances, a 5 % arm at a 2 % base rate (few conversions), burn-in 100."""
    base, share, looks, runs = 0.02, 0.05, 500, 4000
    mde = 0.2 * base
    n_star = base * (1 - base) * (1 / share + 1 / (1 - share)) / design_variance(mde, ALPHA)
    sim = simulate_looks(11, runs, looks + 20, math.ceil(n_star / looks), base, base, share)
    fpr = bounded_crossings(sim, ALPHA, mde).any(axis=1).mean()
    assert stats.binomtest(round(fpr * runs), runs, ALPHA, "greater").pvalue > 0.01


def test_the_vectorised_crossings_are_the_looks_decisions():
    """The bench's vectorised test and the production look reject at the same first look."""
    sim = simulate_looks(5, 40, 60, 200, 0.1, 0.115, 0.3)
    crossed = bounded_crossings(sim, ALPHA, 0.02, burn_in=100)
    first_vectorised = [int(np.argmax(row)) if row.any() else None for row in crossed]
    assert 5 < sum(f is not None for f in first_vectorised) < 40
    for i in range(40):
        state, first = SequentialState(), None
        for k in range(60):
            state = bounded_look(state, ArmCounts(int(sim.n_control[i, k]),
                                                  int(sim.conv_control[i, k])),
                                 ArmCounts(int(sim.n_treatment[i, k]),
                                           int(sim.conv_treatment[i, k])), 0.02, ALPHA)
            if first is None and state.p_value <= ALPHA:
                first = k
        assert first == first_vectorised[i]


def test_power_at_the_mde_is_within_085_of_the_fixed_test():
    base, share, runs = 0.05, 0.10, 3000
    mde = 0.2 * base
    n_star = base * (1 - base) * (1 / share + 1 / (1 - share)) / design_variance(mde, ALPHA)
    sim = simulate_looks(3, runs, 50, math.ceil(n_star / 50), base, base + mde, share)
    fixed = naive_rejections(sim, ALPHA, 50).mean()
    bounded = bounded_crossings(sim, ALPHA, mde).any(axis=1).mean()
    assert fixed == pytest.approx(0.8, abs=0.04)
    assert bounded >= 0.85 * fixed + 0.02  # a margin for the simulation's noise


def test_max_variance_is_the_design_variance_over_the_horizon():
    assert max_variance(0.02, ALPHA, 2.0) == pytest.approx(design_variance(0.02, ALPHA) / 2)
    with pytest.raises(ValueError):
        max_variance(0.02, ALPHA, 0.0)
    with pytest.raises(ValueError):
        boundary(1.0)
