"""Routing and canary steps at the ends of their ranges, and their error messages."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.routing import assignment_units, canary_shares, next_share, treatment_mask

IDS = [f"l{i}" for i in range(500)]


def test_share_zero_and_one_are_valid_and_extreme():
    assert not treatment_mask("s", 0.0, IDS).any()
    assert treatment_mask("s", 1.0, IDS).all()
    for bad in (-0.01, 1.01):
        with pytest.raises(ValueError, match=rf"treatment share must be in \[0, 1\], got {bad}"):
            treatment_mask("s", bad, IDS)


def test_units_are_float64():
    assert assignment_units("s", IDS).dtype == np.float64


def test_a_hundred_percent_step_is_allowed_and_outside_steps_are_not():
    assert canary_shares([50, 100]) == (0.5, 1.0)
    with pytest.raises(ValueError, match=r"canary steps must be percents in \(0, 100\], "
                                         r"got \[5, 150\]"):
        canary_shares([5, 150])
    with pytest.raises(ValueError, match=r"canary steps must be strictly ascending, "
                                         r"got \[25, 25\]"):
        canary_shares([25, 25])


def test_next_share_is_strictly_above_the_current_one():
    steps = (0.05, 0.25, 1.0)
    assert next_share(0.049, steps) == 0.05
    assert next_share(0.05, steps) == 0.25
    assert next_share(0.3, steps) == 1.0
    assert next_share(1.0, steps) is None
