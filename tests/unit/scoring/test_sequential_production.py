"""The false-positive and power claims, checked on the production ``sequential_look``.

``test_experiment_sequential.py`` checks them on the vectorised copy in
``scoring.experiments.simulation``; here every experiment is walked look by look through
:func:`scoring.experiments.sequential_look`, the function the experiment agent calls, on
counts drawn with numpy directly (no simulation helper involved).
"""

from __future__ import annotations

import numpy as np
import pytest

from scoring.experiments import ArmCounts, SequentialState, sequential_look

ALPHA = 0.05
LOOKS = 20


def cumulative_counts(seed: int, experiments: int, leads_per_look: int,
                      p_control: float, p_treatment: float) -> tuple[np.ndarray, ...]:
    """Cumulative (n_c, x_c, n_t, x_t) per experiment and look, a fair 50/50 split."""
    rng = np.random.default_rng(seed)
    nt = rng.binomial(leads_per_look, 0.5, size=(experiments, LOOKS))
    nc = leads_per_look - nt
    xt, xc = rng.binomial(nt, p_treatment), rng.binomial(nc, p_control)
    return tuple(np.cumsum(a, axis=1) for a in (nc, xc, nt, xt))


def final_states(counts: tuple[np.ndarray, ...]) -> list[SequentialState]:
    nc, xc, nt, xt = (a.tolist() for a in counts)
    out = []
    for row in range(len(nc)):
        state = SequentialState()
        for j in range(LOOKS):
            state = sequential_look(state, ArmCounts(nc[row][j], xc[row][j]),
                                    ArmCounts(nt[row][j], xt[row][j]), alpha=ALPHA)
        out.append(state)
    return out


@pytest.fixture(scope="module")
def aa_states():
    return final_states(cumulative_counts(2017, 1000, 500, 0.10, 0.10))


def test_false_positive_rate_under_continuous_monitoring_stays_below_alpha(aa_states):
    # the p-value is a running minimum, so "significant at the end" = "at any of 20 looks"
    rejected = np.mean([s.significant(ALPHA) for s in aa_states])
    assert rejected <= ALPHA
    assert all(s.looks == LOOKS for s in aa_states)


def test_the_always_valid_interval_covers_zero_in_most_aa_experiments(aa_states):
    covered = np.mean([s.lower <= 0.0 <= s.upper for s in aa_states])
    assert covered >= 1 - ALPHA
    assert all(s.estimate is not None for s in aa_states)


def test_a_real_two_point_lift_is_detected_with_high_power():
    states = final_states(cumulative_counts(7, 400, 1000, 0.10, 0.12))
    power = np.mean([s.significant(ALPHA) and s.lower > 0 for s in states])
    assert power >= 0.85


def test_a_real_drop_is_flagged_below_zero():
    states = final_states(cumulative_counts(8, 200, 1000, 0.12, 0.10))
    assert np.mean([s.significant(ALPHA) and s.upper < 0 for s in states]) >= 0.85
