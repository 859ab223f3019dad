"""The thresholds a drift verdict is judged by (:mod:`monitors.drift`), in a module of its own
so the settings take their defaults from here without importing the statistics (scipy)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DriftPolicy:
    min_n: int = 100
    fdr_q: float = 0.01
    critical_alpha: float = 0.001
    psi_warn: float = 0.1
    psi_critical: float = 0.25
    min_expected: float = 5.0
    top_grade_bound: float = 0.8
