# ruff: noqa: RUF002  (math notation in docstrings is intended)
"""Horizon-bounded sequential test of ``p_t - p_c``: a continuous-monitoring boundary on
the B-value scale, valid at any number of looks up to a planned maximum information.

The mSPRT (:mod:`scoring.experiments.sequential`) is valid for ever, and pays for it: at the
sample ``n*`` a fixed-horizon test plans for the MDE it rejects only at ``|z| ≥ 3.04``. An
experiment with a planned end need not pay that. With ``θ̂ = p̂_t - p̂_c``, its variance
under ``θ = 0`` ``V0 = p̄(1 − p̄)(1/n_c + 1/n_t)`` (pooled rate, as the χ²'s) and the
horizon's variance ``V_max`` (``V*`` of :func:`~scoring.experiments.tuning.design_variance`
at the MDE, over ``horizon``, a multiple of ``n*``), the information time is
``t = V_max / V0`` and the B-value ``B(t) = sqrt(t)·Z(t) = θ̂·sqrt(V_max) / V0``. Under
``θ = 0``, ``B`` is approximately a standard Brownian motion ``W`` in ``t`` (Lan and
Wittes 1988), and by the reflection principle
``P(sup_{t≤1} |W(t)| ≥ c) ≤ 2·P(sup_{t≤1} W(t) ≥ c) = 4·(1 − Φ(c))``. Rejecting when
``|B(t)| ≥ c``, ``c = Φ⁻¹(1 − α'/4)``, has a false-positive rate ≤ α' however often it is
read before the horizon; discrete looks only make it more conservative. On the z scale the
boundary is ``c / sqrt(t)``: strict early (as O'Brien and Fleming's), ``c`` at the horizon.

That strictness would let a gross harm run for long (at ``t = 0.02`` it asks for
``|z| ≥ 16``), so ``GUARD_SHARE`` of α goes to a guard: an open-ended mSPRT at level
``GUARD_SHARE·α`` tuned to ``GUARD_SCALE`` × the MDE (its likelihood ratio at ``V0`` too: with
the arms' plug-in variance a small arm's few conversions inflate it, and the guard's tiny
level is where that shows); the rest, ``α' = (1 − GUARD_SHARE)·α``
(c = 2.26 at α = 0.05), to the boundary. The test rejects when either does, so by the union
bound its false-positive rate is ≤ α; the p-value ``min(p_B / (1 − g), p_guard / g)`` (its
running minimum) is ≤ α exactly then, and the CI is the intersection of the boundary's
repeated confidence interval ``θ̂ ± c·sqrt(V / t)`` (``V`` the arms' plug-in variance) and
the guard's confidence sequence, each at its share of α, so it covers with 1 − α.

Past the horizon (``t > 1``) a look is not tested: the state keeps its verdict and CI and
says ``horizon_reached``; an undecided experiment there is inconclusive (keep control).
"""

from __future__ import annotations

import math
from dataclasses import replace
from statistics import NormalDist

import numpy as np

from scoring.experiments.counts import ArmCounts
from scoring.experiments.sequential import (
    DEFAULT_BURN_IN,
    SequentialState,
    cs_half_width,
    difference_and_variance,
    log_mixture_lr,
)
from scoring.experiments.tuning import DEFAULT_MDE, design_variance, mixing_variance

HORIZON = 1.0
"""Maximum information as a multiple of ``n*`` (the fixed-horizon sample of the MDE)."""
GUARD_SHARE = 0.05
"""Share of alpha spent by the early guard (an mSPRT) against gross effects."""
GUARD_SCALE = 4.0
"""The guard's mixing variance is tuned to this multiple of the MDE."""
METHOD = "bounded_repeated_ci"


def boundary(alpha: float) -> float:
    """``c`` with ``4·(1 − Φ(c)) = α``: the two-sided continuous-monitoring boundary on |B|."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    return NormalDist().inv_cdf(1.0 - alpha / 4.0)


def max_variance(mde: float, alpha: float, horizon: float = HORIZON) -> float:
    """``V_max``: the variance of ``θ̂`` at the horizon (``horizon`` × ``n*``)."""
    if horizon <= 0.0:
        raise ValueError(f"horizon must be > 0, got {horizon}")
    return design_variance(mde, alpha) / horizon


def guard_tau2(mde: float, alpha: float) -> float:
    """The guard mSPRT's mixing variance."""
    return mixing_variance(GUARD_SCALE * mde, alpha)


def pooled_variance(conv_control, n_control, conv_treatment, n_treatment):
    """Vectorised variance of ``θ̂`` under ``θ = 0``: ``p̄(1 − p̄)(1/n_c + 1/n_t)``, with
    ``p̄`` the pooled rate (+1/+2 smoothed, as the arms' plug-in rates)."""
    xc, nc = np.asarray(conv_control, float), np.asarray(n_control, float)
    xt, nt = np.asarray(conv_treatment, float), np.asarray(n_treatment, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (xc + xt + 1) / (nc + nt + 2)
        return pooled * (1 - pooled) * (1 / nc + 1 / nt)


def b_value(theta_hat, var0, v_max: float):
    """Vectorised ``B = θ̂·sqrt(V_max) / V0`` (``sqrt(t)`` times the z statistic)."""
    return np.asarray(theta_hat, float) * math.sqrt(v_max) / np.asarray(var0, float)


def within_horizon(var0, v_max: float):
    """Vectorised: is ``t = V_max / V0 ≤ 1`` (the look may still be tested)?"""
    return np.asarray(var0, float) >= v_max


def tail_p(b: float) -> float:
    """``min(1, 4·(1 − Φ(|B|)))``: the level at which ``|B|`` sits on the boundary."""
    return min(1.0, 2.0 * math.erfc(abs(b) / math.sqrt(2.0)))


def bounded_look(
    state: SequentialState,
    control: ArmCounts,
    treatment: ArmCounts,
    mde: float = DEFAULT_MDE,
    alpha: float = 0.05,
    burn_in: int = DEFAULT_BURN_IN,
    horizon: float = HORIZON,
) -> SequentialState:
    """Fold one look (cumulative counts) into the running state (the interface of
    :func:`~scoring.experiments.sequential.sequential_look`, tuned by the ``mde``)."""
    v_max, g = max_variance(mde, alpha, horizon), GUARD_SHARE
    looked = replace(state, looks=state.looks + 1, method=METHOD)
    if min(control.n, treatment.n) < max(burn_in, 1) or state.horizon_reached:
        return looked
    counts = (control.conversions, control.n, treatment.conversions, treatment.n)
    theta, var = (float(x) for x in difference_and_variance(*counts))
    var0 = float(pooled_variance(*counts))
    information = v_max / var0
    if information > 1.0:  # past the horizon: not tested, the verdict and CI stand
        return replace(looked, information=information)
    tau2 = guard_tau2(mde, alpha)
    half = boundary((1.0 - g) * alpha) * math.sqrt(var / information)
    guard_half = float(cs_half_width(var, tau2, g * alpha))
    log_lr = float(log_mixture_lr(theta, var0, tau2))  # 1/Λ from the log: Λ may overflow
    p_guard = math.exp(-log_lr) if log_lr > 0.0 else 1.0
    p = min(1.0, tail_p(float(b_value(theta, var0, v_max))) / (1.0 - g), p_guard / g)
    return replace(
        looked,
        p_value=min(state.p_value, p),
        lower=max(state.lower, theta - min(half, guard_half)),
        upper=min(state.upper, theta + min(half, guard_half)),
        estimate=theta,
        information=information,
    )
