"""The fewest rows, conversions and non-conversions training accepts (:class:`~scoring.
training.TrainConfig`), in a module of their own so the settings take them as defaults
without importing pandas and XGBoost."""

from __future__ import annotations

MIN_ROWS = 200
"""Fewer usable rows: training is refused."""
MIN_POSITIVES = 40
"""Fewer conversions: refused (Dynamics 365 asks for 40 of each outcome)."""
MIN_NEGATIVES = 40
"""Fewer non-conversions: refused."""
