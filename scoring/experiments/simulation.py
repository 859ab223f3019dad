# ruff: noqa: RUF002  (math notation in docstrings is intended)
"""Seeded, vectorised simulation of experiments watched at many looks.

Every experiment is a row, every look a column: arrays of cumulative counts, so 1,000
experiments × 20 looks are simulated and tested in milliseconds. Used by the unit tests
and by ``python -m bench.experiments_sim``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scoring.experiments.bounded import (
    GUARD_SHARE,
    HORIZON,
    b_value,
    boundary,
    guard_tau2,
    max_variance,
    pooled_variance,
    within_horizon,
)
from scoring.experiments.fixed_horizon import chi2_2x2
from scoring.experiments.sequential import (
    DEFAULT_BURN_IN,
    DEFAULT_TAU2,
    difference_and_variance,
    log_mixture_lr,
)


@dataclass(frozen=True)
class SimulatedLooks:
    """Cumulative counts, shape ``(experiments, looks)``."""

    conv_control: np.ndarray
    n_control: np.ndarray
    conv_treatment: np.ndarray
    n_treatment: np.ndarray


def simulate_looks(
    seed: int,
    experiments: int,
    looks: int,
    leads_per_look: int,
    p_control: float,
    p_treatment: float,
    share: float = 0.5,
) -> SimulatedLooks:
    """Leads split at random by ``share``; each converts with its arm's probability."""
    rng = np.random.default_rng(seed)
    nt = rng.binomial(leads_per_look, share, size=(experiments, looks))
    nc = leads_per_look - nt
    xt = rng.binomial(nt, p_treatment)
    xc = rng.binomial(nc, p_control)
    return SimulatedLooks(*(np.cumsum(a, axis=1) for a in (xc, nc, xt, nt)))


def naive_rejections(sim: SimulatedLooks, alpha: float, every: int = 1) -> np.ndarray:
    """Per experiment: did the fixed-horizon chi-square reject at any of the looks read?

    ``every = k`` reads looks k, 2k, ...; the last look is always among them when
    ``looks`` is a multiple of k.
    """
    cols = slice(every - 1, None, every)
    _, p = chi2_2x2(sim.conv_control[:, cols], sim.n_control[:, cols],
                    sim.conv_treatment[:, cols], sim.n_treatment[:, cols])
    return (p < alpha).any(axis=1)


def sequential_crossings(
    sim: SimulatedLooks,
    alpha: float,
    tau2: float = DEFAULT_TAU2,
    burn_in: int = DEFAULT_BURN_IN,
) -> np.ndarray:
    """Per experiment and look: is ``Λ ≥ 1/α`` there (after burn-in)? Shape as ``sim``."""
    theta, var = difference_and_variance(
        sim.conv_control, sim.n_control, sim.conv_treatment, sim.n_treatment
    )
    log_lr = log_mixture_lr(theta, var, tau2)
    ready = np.minimum(sim.n_control, sim.n_treatment) >= max(burn_in, 1)
    return ready & (log_lr >= math.log(1 / alpha))


def sequential_rejections(
    sim: SimulatedLooks,
    alpha: float,
    tau2: float = DEFAULT_TAU2,
    burn_in: int = DEFAULT_BURN_IN,
) -> np.ndarray:
    """Per experiment: did the mSPRT reject at any look?"""
    return sequential_crossings(sim, alpha, tau2, burn_in).any(axis=1)


def bounded_crossings(
    sim: SimulatedLooks,
    alpha: float,
    mde: float,
    horizon: float = HORIZON,
    burn_in: int = DEFAULT_BURN_IN,
) -> np.ndarray:
    """Per experiment and look: does the horizon-bounded test reject there (its boundary
    ``|B| ≥ c`` or its guard, after burn-in, at information time ``t ≤ 1``)? Shape as
    ``sim``."""
    counts = (sim.conv_control, sim.n_control, sim.conv_treatment, sim.n_treatment)
    theta, _ = difference_and_variance(*counts)
    var0, v_max = pooled_variance(*counts), max_variance(mde, alpha, horizon)
    ready = np.minimum(sim.n_control, sim.n_treatment) >= max(burn_in, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        within = ready & within_horizon(var0, v_max)
        crossed = np.abs(b_value(theta, var0, v_max)) >= boundary((1 - GUARD_SHARE) * alpha)
        guard = log_mixture_lr(theta, var0, guard_tau2(mde, alpha)) >= math.log(
            1 / (GUARD_SHARE * alpha))
        return within & (crossed | guard)
