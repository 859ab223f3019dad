"""Confidence intervals for one proportion (Wilson score) and the interval value type."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Interval:
    """A point estimate with bounds; None where the data cannot define them."""

    estimate: float | None
    lower: float | None
    upper: float | None
    method: str

    def excludes(self, value: float) -> bool:
        if self.lower is None or self.upper is None:
            return False
        return value < self.lower or value > self.upper


def z_value(confidence: float) -> float:
    """Two-sided normal quantile (1.959964 for 95 %)."""
    from scipy import stats  # on first use: the scorer imports this package, not scipy

    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson(conversions: int, n: int, z: float) -> tuple[float, float]:
    """Wilson (1927) score interval for a binomial proportion."""
    if n == 0:
        return 0.0, 1.0
    p = conversions / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)
