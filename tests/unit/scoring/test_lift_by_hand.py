"""Lift intervals (Wald, Newcombe, Katz) against textbook formulas written with ``math``."""

from __future__ import annotations

import math

import pytest

from scoring.experiments.counts import ArmCounts
from scoring.experiments.lift import katz_relative, lift, newcombe_difference, wald_difference

Z = 1.959963984540054


def wilson_by_hand(x: int, n: int) -> tuple[float, float]:
    p = x / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


C, T = ArmCounts(400, 40), ArmCounts(500, 70)  # 10 % vs 14 %


def test_wald_interval():
    pc, pt = 0.1, 0.14
    se = math.sqrt(pc * (1 - pc) / 400 + pt * (1 - pt) / 500)
    w = wald_difference(C, T, Z)
    assert (w.estimate, w.lower, w.upper) == pytest.approx(
        (0.04, 0.04 - Z * se, 0.04 + Z * se), rel=1e-12)
    assert w.method == "wald"


def test_newcombe_interval():
    lc, uc = wilson_by_hand(40, 400)
    lt, ut = wilson_by_hand(70, 500)
    lower = 0.04 - math.sqrt((0.14 - lt) ** 2 + (uc - 0.1) ** 2)
    upper = 0.04 + math.sqrt((ut - 0.14) ** 2 + (0.1 - lc) ** 2)
    n = newcombe_difference(C, T, Z)
    assert (n.estimate, n.lower, n.upper) == pytest.approx((0.04, lower, upper), rel=1e-12)
    assert n.method == "newcombe"


def test_katz_interval():
    rr = 0.14 / 0.1
    se = math.sqrt(1 / 70 - 1 / 500 + 1 / 40 - 1 / 400)
    k = katz_relative(C, T, Z)
    assert (k.estimate, k.lower, k.upper) == pytest.approx(
        (rr - 1, rr * math.exp(-Z * se) - 1, rr * math.exp(Z * se) - 1), rel=1e-12)
    assert k.method == "katz_log"


def test_empty_arms_and_zero_conversions():
    empty = ArmCounts(0, 0)
    for f, method in ((wald_difference, "wald"), (newcombe_difference, "newcombe")):
        for a, b in ((empty, T), (C, empty)):
            i = f(a, b, Z)
            assert (i.estimate, i.lower, i.upper, i.method) == (None, None, None, method)
    no_treatment_conv = katz_relative(C, ArmCounts(500, 0), Z)
    assert (no_treatment_conv.estimate, no_treatment_conv.lower) == (-1.0, None)
    assert no_treatment_conv.method == "katz_log"
    no_control_conv = katz_relative(ArmCounts(400, 0), T, Z)
    assert (no_control_conv.estimate, no_control_conv.upper) == (None, None)


def test_lift_uses_newcombe_and_katz_at_the_asked_confidence():
    result = lift(C, T, confidence=0.9)
    z90 = 1.6448536269514722
    assert (result.control_rate, result.treatment_rate) == (0.1, 0.14)
    assert result.absolute == newcombe_difference(C, T, z90)
    assert result.relative.lower == pytest.approx(katz_relative(C, T, z90).lower, rel=1e-12)
    assert lift(C, T).absolute.upper == pytest.approx(newcombe_difference(C, T, Z).upper)
