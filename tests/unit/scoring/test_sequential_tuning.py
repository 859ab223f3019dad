"""The mSPRT tuned to an MDE: its likelihood ratio is the mixture integral, its mixing
variance makes the boundary tightest at the planned sample size, it stays valid under
continuous monitoring, and the tuning buys power at the MDE.

Every expected value here is computed independently of the code under test: numerical
integration (``scipy.integrate.quad``) of the normal likelihood ratio against the normal
prior, numerical minimisation of the boundary, the power of a z-test from ``scipy.stats``,
and a binomial bound on a simulated false-positive rate.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize, stats

from scoring.experiments import ArmCounts, DecisionPolicy, SequentialState, sequential_look
from scoring.experiments.sequential import log_mixture_lr
from scoring.experiments.simulation import (
    naive_rejections,
    sequential_rejections,
    simulate_looks,
)
from scoring.experiments.tuning import design_variance, mixing_variance

ALPHA = 0.05


def log_lr_by_quadrature(theta_hat: float, var: float, tau2: float, theta0: float) -> float:
    """``log ∫ N(θ̂; θ, V) / N(θ̂; θ0, V) · N(θ; θ0, τ²) dθ`` by adaptive quadrature.

    The exponent is shifted by its numerically found maximum so that huge ratios do not
    overflow; the range is ±40 of the narrower of the two widths around that maximum.
    """
    sd, tau = math.sqrt(var), math.sqrt(tau2)

    def exponent(theta: float) -> float:
        return (((theta_hat - theta0) ** 2 - (theta_hat - theta) ** 2) / (2 * var)
                + stats.norm.logpdf(theta, theta0, tau))

    lo, hi = min(theta0, theta_hat), max(theta0, theta_hat)
    mode = lo if hi - lo < 1e-15 else optimize.minimize_scalar(
        lambda t: -exponent(t), bounds=(lo, hi), method="bounded",
        options={"xatol": 1e-12 * max(1.0, hi - lo)}).x
    shift, width = exponent(mode), 40 * min(sd, tau)
    value, _ = integrate.quad(lambda t: math.exp(exponent(t) - shift), mode - width,
                              mode + width, points=[mode], limit=500, epsabs=0.0,
                              epsrel=1e-11)
    return shift + math.log(value)


@settings(max_examples=80, deadline=None)
@given(z=st.floats(-40.0, 40.0), log_var=st.floats(-14.0, -3.0),
       log_ratio=st.floats(-4.0, 4.0), theta0=st.floats(-0.05, 0.05))
def test_mixture_likelihood_ratio_is_the_integral(z, log_var, log_ratio, theta0):
    var = 10.0**log_var
    tau2, theta_hat = var * 10.0**log_ratio, theta0 + z * math.sqrt(var)
    expected = log_lr_by_quadrature(theta_hat, var, tau2, theta0)
    got = float(log_mixture_lr(theta_hat, var, tau2, theta0))
    assert got == pytest.approx(expected, rel=1e-7, abs=1e-6)


@settings(max_examples=80, deadline=None)
@given(nc=st.integers(100, 50_000), nt=st.integers(100, 50_000),
       rate_c=st.floats(0.0, 1.0), rate_t=st.floats(0.0, 1.0),
       mde=st.floats(0.002, 0.2))
def test_p_value_of_one_look_is_one_over_the_integral(nc, nt, rate_c, rate_t, mde):
    xc, xt = round(nc * rate_c), round(nt * rate_t)
    policy = DecisionPolicy(mde=mde)
    state = sequential_look(SequentialState(), ArmCounts(nc, xc), ArmCounts(nt, xt),
                            policy.tau2, ALPHA)
    sc, st_ = (xc + 1) / (nc + 2), (xt + 1) / (nt + 2)  # the documented smoothing
    var = sc * (1 - sc) / nc + st_ * (1 - st_) / nt
    theta_hat = xt / nt - xc / nc
    log_p = min(0.0, -log_lr_by_quadrature(theta_hat, var, policy.tau2, 0.0))
    if log_p < -700:  # below the smallest double: the p-value is 0 or subnormal
        assert state.p_value < 1e-300
    else:
        assert state.p_value == pytest.approx(math.exp(log_p), rel=1e-6)


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1])
@pytest.mark.parametrize("mde", [0.002, 0.01, 0.05])
def test_tuned_tau2_makes_the_boundary_tightest_at_the_planned_sample_size(alpha, mde):
    v_star = design_variance(mde, alpha)
    # the planned sample size: a two-sided z-test at alpha has 80 % power against the MDE
    z, sd = stats.norm.ppf(1 - alpha / 2), math.sqrt(v_star)
    power = stats.norm.sf(z - mde / sd) + stats.norm.cdf(-z - mde / sd)
    assert power == pytest.approx(0.80, abs=1e-3)

    def half_width(log_tau2: float) -> float:  # the CS half-width, by its definition
        t2 = math.exp(log_tau2)
        return math.sqrt(2 * v_star * (v_star + t2) / t2
                         * (math.log(1 / alpha) + 0.5 * math.log((v_star + t2) / v_star)))

    best = optimize.minimize_scalar(half_width, bounds=(math.log(v_star) - 10,
                                                        math.log(v_star) + 10),
                                    method="bounded", options={"xatol": 1e-9})
    assert math.log(mixing_variance(mde, alpha)) == pytest.approx(best.x, abs=1e-4)


def test_policy_tunes_tau2_from_the_mde_unless_given():
    assert DecisionPolicy(mde=0.004).tau2 == pytest.approx(mixing_variance(0.004, 0.05))
    assert DecisionPolicy(mde=0.004, alpha=0.01).tau2 == pytest.approx(
        mixing_variance(0.004, 0.01))
    assert DecisionPolicy(mde=0.004, tau2=1e-3).tau2 == 1e-3


def _binomial_bound(trials: int, rate: float) -> float:
    """The largest false-positive share 'rate' explains with probability 0.999."""
    return stats.binom.ppf(0.999, trials, rate) / trials


@pytest.mark.parametrize(("base", "share", "mde"),
                         [(0.05, 0.1, 0.01), (0.2, 0.5, 0.04), (0.02, 0.5, 0.004)])
def test_tuned_test_stays_valid_at_many_looks(base, share, mde):
    """A/A read at 200 looks out to 3x the planned sample size: false positives <= alpha
    up to simulation noise; the chi-square re-read at the same looks is far above."""
    v_star = design_variance(mde, ALPHA)
    leads = base * (1 - base) * (1 / share + 1 / (1 - share)) / v_star  # planned n
    looks, experiments = 200, 2000
    aa = simulate_looks(seed=31, experiments=experiments, looks=looks,
                        leads_per_look=math.ceil(3 * leads / looks),
                        p_control=base, p_treatment=base, share=share)
    bound = _binomial_bound(experiments, ALPHA)
    tuned = sequential_rejections(aa, ALPHA, DecisionPolicy(mde=mde).tau2).mean()
    assert tuned <= bound
    assert naive_rejections(aa, ALPHA).mean() > 2 * bound  # the check has teeth


def test_tuning_to_a_small_mde_buys_power_there():
    """5 % base rate, 10 % treatment share, MDE +0.5 pt: tuned tau beats tau = 0.02."""
    base, share, mde = 0.05, 0.1, 0.005
    leads = base * (1 - base) * (1 / share + 1 / (1 - share)) / design_variance(mde, ALPHA)
    ab = simulate_looks(seed=47, experiments=2000, looks=50,
                        leads_per_look=math.ceil(leads / 50), p_control=base,
                        p_treatment=base + mde, share=share)
    tuned = sequential_rejections(ab, ALPHA, mixing_variance(mde, ALPHA)).mean()
    wide = sequential_rejections(ab, ALPHA, 0.02**2).mean()
    assert tuned >= wide + 0.05
