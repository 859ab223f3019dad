# ruff: noqa: RUF002  (math notation in docstrings is intended)
"""Horizon-bounded sequential test of ``p_t - p_c``: a continuous-monitoring boundary on
the B-value scale, valid at any number of looks up to a planned maximum information.

The mSPRT (:mod:`scoring.experiments.sequential`) is valid for ever, and pays for it: at the
sample ``n*`` a fixed-horizon test plans for the MDE it rejects only at ``|z| ≥ 3.04``. An
experiment with a planned end need not pay that. With ``θ̂ ≈ N(θ, V)``, information
``1/V`` and the horizon's variance ``V_max`` (``V*`` of :func:`~scoring.experiments.tuning.
design_variance` at the MDE, divided by ``horizon``, a multiple of ``n*``), the information
time is ``t = V_max / V`` and the B-value ``B(t) = sqrt(t)·Z(t) = θ̂·sqrt(V_max) / V``.
Under ``θ = 0`` the B-value is approximately a standard Brownian motion ``W`` in ``t``
(Lan and Wittes 1988), and by the reflection principle
``P(sup_{t≤1} |W(t)| ≥ c) ≤ 2·P(sup_{t≤1} W(t) ≥ c) = 4·(1 − Φ(c))``. So rejecting when
``|B(t)| ≥ c`` with ``c = Φ⁻¹(1 − α/4)`` (2.24 at α = 0.05) has a false-positive rate
≤ α however often it is read before the horizon; reading at discrete looks only makes it
more conservative. On the z scale the boundary is ``c / sqrt(t)``: strict early (as
O'Brien and Fleming's), 2.24 at the horizon, where the fixed test asks for 1.96.

Past the horizon (``t > 1``) a look is not tested: the state keeps its verdict and CI and
says ``horizon_reached``; an undecided experiment there is inconclusive (keep control).
Inverting the boundary gives the repeated confidence interval ``θ̂ ± c·V / sqrt(V_max)``,
valid jointly at every look up to the horizon; the p-value ``min over looks of
4·(1 − Φ(|B|))`` is ≤ α exactly when the boundary was crossed.
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
    difference_and_variance,
)
from scoring.experiments.tuning import DEFAULT_MDE, design_variance

HORIZON = 1.0
"""Maximum information as a multiple of ``n*`` (the fixed-horizon sample of the MDE)."""
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


def pooled_variance(conv_control, n_control, conv_treatment, n_treatment):
    """Vectorised variance of ``θ̂`` under ``θ = 0``: ``p̄(1 − p̄)(1/n_c + 1/n_t)``, with
    ``p̄`` the pooled rate (+1/+2 smoothed, as the arms' plug-in rates)."""
    xc, nc = np.asarray(conv_control, float), np.asarray(n_control, float)
    xt, nt = np.asarray(conv_treatment, float), np.asarray(n_treatment, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (xc + xt + 1) / (nc + nt + 2)
        return pooled * (1 - pooled) * (1 / nc + 1 / nt)


def b_value(theta_hat, var, v_max: float):
    """Vectorised ``B = θ̂·sqrt(V_max) / V`` (``sqrt(t)`` times the z statistic)."""
    return np.asarray(theta_hat, float) * math.sqrt(v_max) / np.asarray(var, float)


def within_horizon(var, v_max: float):
    """Vectorised: is ``t = V_max / V ≤ 1`` (the look may still be tested)?"""
    return np.asarray(var, float) >= v_max


def tail_p(b: float) -> float:
    """``min(1, 4·(1 − Φ(|B|)))``: the level at which ``|B|`` sits on the boundary."""
    return min(1.0, 2.0 * math.erfc(abs(b) / math.sqrt(2.0)))


def bounded_look(
    state: SequentialState,
    control: ArmCounts,
    treatment: ArmCounts,
    v_max: float | None = None,
    alpha: float = 0.05,
    burn_in: int = DEFAULT_BURN_IN,
) -> SequentialState:
    """Fold one look (cumulative counts) into the running state (the interface of
    :func:`~scoring.experiments.sequential.sequential_look`, ``v_max`` for ``tau2``)."""
    v_max = max_variance(DEFAULT_MDE, alpha) if v_max is None else v_max
    looked = replace(state, looks=state.looks + 1, method=METHOD)
    if min(control.n, treatment.n) < max(burn_in, 1) or state.horizon_reached:
        return looked
    counts = (control.conversions, control.n, treatment.conversions, treatment.n)
    theta, var = (float(x) for x in difference_and_variance(*counts))
    var0 = float(pooled_variance(*counts))
    information = v_max / var0
    if information > 1.0:  # past the horizon: not tested, the verdict and CI stand
        return replace(looked, information=information)
    half = boundary(alpha) * math.sqrt(var / information)
    return replace(
        looked,
        p_value=min(state.p_value, tail_p(float(b_value(theta, var0, v_max)))),
        lower=max(state.lower, theta - half),
        upper=min(state.upper, theta + half),
        estimate=theta,
        information=information,
    )
