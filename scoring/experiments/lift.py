"""Conversion rate per variant and the lift of treatment over control, with 95 % CIs.

- Absolute lift ``p_t - p_c``: Newcombe's hybrid score interval (Newcombe 1998, method
  10), built from the two Wilson intervals; it keeps close to nominal coverage at small
  counts and rates near 0 where the Wald interval under-covers. The Wald interval is
  available as :func:`wald_difference` for comparison.
- Relative lift ``p_t / p_c - 1``: Katz et al. (1978) log interval for the risk ratio,
  ``log(RR) ± z·sqrt(1/x_t - 1/n_t + 1/x_c - 1/n_c)``; undefined with zero conversions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scoring.experiments.counts import ArmCounts
from scoring.experiments.intervals import Interval, wilson, z_value


def wald_difference(control: ArmCounts, treatment: ArmCounts, z: float) -> Interval:
    """Wald interval for ``p_t - p_c`` (unpooled variance)."""
    if not (control.n and treatment.n):
        return Interval(None, None, None, "wald")
    pc, pt = control.conversions / control.n, treatment.conversions / treatment.n
    se = math.sqrt(pc * (1 - pc) / control.n + pt * (1 - pt) / treatment.n)
    return Interval(pt - pc, pt - pc - z * se, pt - pc + z * se, "wald")


def newcombe_difference(control: ArmCounts, treatment: ArmCounts, z: float) -> Interval:
    """Newcombe hybrid score interval for ``p_t - p_c``."""
    if not (control.n and treatment.n):
        return Interval(None, None, None, "newcombe")
    pc, pt = control.conversions / control.n, treatment.conversions / treatment.n
    lc, uc = wilson(control.conversions, control.n, z)
    lt, ut = wilson(treatment.conversions, treatment.n, z)
    d = pt - pc
    lower = d - math.sqrt((pt - lt) ** 2 + (uc - pc) ** 2)
    upper = d + math.sqrt((ut - pt) ** 2 + (pc - lc) ** 2)
    return Interval(d, lower, upper, "newcombe")


def katz_relative(control: ArmCounts, treatment: ArmCounts, z: float) -> Interval:
    """Katz log interval for ``p_t / p_c - 1``."""
    xc, nc, xt, nt = control.conversions, control.n, treatment.conversions, treatment.n
    if not (xc and xt):
        estimate = (xt / nt) / (xc / nc) - 1 if xc and nt else None
        return Interval(estimate, None, None, "katz_log")
    log_rr = math.log((xt / nt) / (xc / nc))
    se = math.sqrt(1 / xt - 1 / nt + 1 / xc - 1 / nc)
    return Interval(
        math.exp(log_rr) - 1, math.exp(log_rr - z * se) - 1, math.exp(log_rr + z * se) - 1,
        "katz_log",
    )


@dataclass(frozen=True)
class Lift:
    control_rate: float | None
    treatment_rate: float | None
    absolute: Interval
    relative: Interval


def lift(control: ArmCounts, treatment: ArmCounts, confidence: float = 0.95) -> Lift:
    """Rates and lifts of treatment over control at the given two-sided confidence."""
    z = z_value(confidence)
    return Lift(
        control.rate,
        treatment.rate,
        newcombe_difference(control, treatment, z),
        katz_relative(control, treatment, z),
    )
