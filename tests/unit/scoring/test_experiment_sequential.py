"""mSPRT (Johari et al. 2017): valid under continuous monitoring, powerful on real effects.

The A/A simulation is the evidence in issue 3: 1,000 experiments x 20 looks.
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from scoring.experiments import ArmCounts, SequentialState, sequential_look
from scoring.experiments.sequential import treatment_below_control
from scoring.experiments.simulation import (
    naive_rejections,
    sequential_rejections,
    simulate_looks,
)

ALPHA = 0.05


@pytest.fixture(scope="module")
def aa():
    return simulate_looks(seed=2017, experiments=2000, looks=20, leads_per_look=500,
                          p_control=0.10, p_treatment=0.10)


def test_naive_repeated_chi_square_inflates_false_positives(aa):
    rates = {k: naive_rejections(aa, ALPHA, every=20 // k).mean() for k in (1, 5, 10, 20)}
    assert rates[1] <= 0.07  # one look at the horizon is fine
    assert 0.10 <= rates[5] < rates[10] < rates[20]
    assert 0.18 <= rates[20] <= 0.32  # about 25 % at 20 looks


def test_sequential_false_positive_rate_stays_below_alpha(aa):
    assert sequential_rejections(aa, ALPHA).mean() <= ALPHA


def test_real_effect_is_detected_with_high_power():
    ab = simulate_looks(seed=7, experiments=1000, looks=20, leads_per_look=1000,
                        p_control=0.10, p_treatment=0.12)
    assert sequential_rejections(ab, ALPHA).mean() >= 0.85


def _walk(sim, row: int) -> list[SequentialState]:
    state, states = SequentialState(), []
    for j in range(sim.n_control.shape[1]):
        state = sequential_look(
            state,
            ArmCounts(int(sim.n_control[row, j]), int(sim.conv_control[row, j])),
            ArmCounts(int(sim.n_treatment[row, j]), int(sim.conv_treatment[row, j])),
            alpha=ALPHA,
        )
        states.append(state)
    return states


def test_scalar_looks_agree_with_the_vectorised_simulation(aa):
    rejected = sequential_rejections(aa, ALPHA)
    for row in range(60):
        states = _walk(aa, row)
        assert states[-1].significant(ALPHA) == bool(rejected[row])
        assert states[-1].looks == 20


def test_p_value_never_increases_and_ci_only_shrinks():
    ab = simulate_looks(seed=5, experiments=20, looks=20, leads_per_look=300,
                        p_control=0.10, p_treatment=0.13)
    for row in range(20):
        states = _walk(ab, row)
        p = [s.p_value for s in states]
        assert all(b <= a for a, b in pairwise(p))
        widths = [s.upper - s.lower for s in states]
        assert all(b <= a + 1e-15 for a, b in pairwise(widths))


def test_confidence_sequence_covers_the_truth_at_every_look():
    ab = simulate_looks(seed=9, experiments=300, looks=20, leads_per_look=400,
                        p_control=0.10, p_treatment=0.115)
    covered = sum(
        all(s.lower <= 0.015 <= s.upper for s in _walk(ab, row)) for row in range(300)
    )
    assert covered / 300 >= 0.95


def test_guardrail_verdict_on_a_worse_treatment():
    state = SequentialState()
    for n in range(1000, 20_001, 1000):
        state = sequential_look(state, ArmCounts(n, n // 5), ArmCounts(n, n // 7))
    assert treatment_below_control(state) and state.upper < 0


def test_no_evidence_before_burn_in():
    state = sequential_look(SequentialState(), ArmCounts(50, 0), ArmCounts(50, 40))
    assert state.p_value == 1.0 and state.looks == 1
