# ruff: noqa: RUF002  (math notation in docstrings is intended)
"""Always-valid test of ``p_t - p_c``: the mixture SPRT (Johari, Pekelis, Walsh 2017).

With ``θ̂ = p̂_t - p̂_c`` approximately ``N(θ, V)``, ``V = σ_c²/n_c + σ_t²/n_t``, and a
normal mixing prior ``θ ~ N(θ0, τ²)``, the mixture likelihood ratio against ``H0: θ = θ0``
is (Johari et al. 2017, eq. for the two-stream normal case, here with unequal arms)::

    Λ(θ0) = sqrt(V / (V + τ²)) · exp(τ² (θ̂ - θ0)² / (2 V (V + τ²)))

``Λ`` is a non-negative martingale under H0, so by Ville's inequality
``P(sup_n Λ_n ≥ 1/α) ≤ α``: the p-value ``p_n = min(p_{n-1}, 1/Λ_n(0))`` is valid however
often and whenever it is read, and never increases. Inverting the test gives the
confidence sequence ``θ̂ ± sqrt(2 V (V + τ²) / τ² · (log(1/α) + ½ log((V + τ²) / V)))``;
the running intersection of these intervals is the always-valid CI.

``σ²`` is the plug-in Bernoulli variance with a +1/+2 smoothing so that an arm with no
conversions yet does not give ``V = 0``. ``τ²`` sets the effect size the test is most
sensitive to; :mod:`scoring.experiments.tuning` chooses it from the minimum detectable
effect (default MDE 0.02 absolute, so τ ≈ 0.0205 at α = 0.05).
Evidence starts once both arms have ``burn_in`` outcomes (the normal approximation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from scoring.experiments.counts import ArmCounts
from scoring.experiments.intervals import Interval
from scoring.experiments.tuning import DEFAULT_MDE, mixing_variance

DEFAULT_TAU2 = mixing_variance(DEFAULT_MDE, 0.05)
DEFAULT_BURN_IN = 100


def difference_and_variance(conv_control, n_control, conv_treatment, n_treatment):
    """Vectorised ``θ̂ = p̂_t - p̂_c`` and its smoothed plug-in variance ``V``."""
    xc, nc = np.asarray(conv_control, float), np.asarray(n_control, float)
    xt, nt = np.asarray(conv_treatment, float), np.asarray(n_treatment, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = xt / nt - xc / nc
        sc, st = (xc + 1) / (nc + 2), (xt + 1) / (nt + 2)
        var = sc * (1 - sc) / nc + st * (1 - st) / nt
    return theta, var


def log_mixture_lr(theta_hat, var, tau2: float, theta0: float = 0.0):
    """Vectorised ``log Λ(θ0)``."""
    return 0.5 * np.log(var / (var + tau2)) + tau2 * (theta_hat - theta0) ** 2 / (
        2 * var * (var + tau2)
    )


def cs_half_width(var, tau2: float, alpha: float):
    """Vectorised half-width of the level-``1 - α`` confidence sequence at variance ``V``."""
    return np.sqrt(2 * var * (var + tau2) / tau2 * (math.log(1 / alpha)
                                                    + 0.5 * np.log((var + tau2) / var)))


@dataclass(frozen=True)
class SequentialState:
    """Running always-valid state of one experiment; start from ``SequentialState()``."""

    looks: int = 0
    p_value: float = 1.0
    lower: float = -1.0
    upper: float = 1.0
    estimate: float | None = None
    method: str = "msprt_confidence_sequence"
    """The test that keeps this state (its CI's name): a state is resumed by its own test."""
    information: float = 0.0
    """A horizon-bounded test's information time ``t`` at the last look (0: open-ended)."""

    def ci(self) -> Interval:
        return Interval(self.estimate, self.lower, self.upper, self.method)

    @property
    def horizon_reached(self) -> bool:
        """A bounded test has reached its maximum information: no further look can reject."""
        return self.information >= 1.0

    def significant(self, alpha: float) -> bool:
        return self.p_value <= alpha


def sequential_look(
    state: SequentialState,
    control: ArmCounts,
    treatment: ArmCounts,
    tau2: float = DEFAULT_TAU2,
    alpha: float = 0.05,
    burn_in: int = DEFAULT_BURN_IN,
) -> SequentialState:
    """Fold one look (cumulative counts) into the running state."""
    looked = replace(state, looks=state.looks + 1)
    if min(control.n, treatment.n) < max(burn_in, 1):
        return looked
    theta, var = difference_and_variance(
        control.conversions, control.n, treatment.conversions, treatment.n
    )
    log_lr = float(log_mixture_lr(theta, var, tau2))  # 1/Λ from the log: Λ may overflow
    half = float(cs_half_width(var, tau2, alpha))
    return replace(
        looked,
        p_value=min(state.p_value, math.exp(-log_lr) if log_lr > 0.0 else 1.0),
        lower=max(state.lower, float(theta) - half),
        upper=min(state.upper, float(theta) + half),
        estimate=float(theta),
    )


def treatment_below_control(state: SequentialState, alpha: float = 0.05) -> bool:
    """Guardrail verdict: the always-valid test says treatment converts less than control."""
    return state.significant(alpha) and state.upper < 0.0
