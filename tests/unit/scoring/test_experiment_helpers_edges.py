"""Small experiment helpers at their edges, each expected value worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from scoring.experiments.counts import ArmTally, apply_outcome
from scoring.experiments.guardrail import treatment_worse_now
from scoring.experiments.intervals import wilson, z_value
from scoring.experiments.report import DecisionPolicy
from scoring.experiments.sequential import SequentialState
from scoring.experiments.shadow import shadow_comparisons
from scoring.experiments.simulation import naive_rejections, simulate_looks
from scoring.grades import GradeScale


def test_apply_outcome_flags_and_deal_values():
    first = apply_outcome(ArmTally(), None, False, deal_value=None)
    assert (first.tally, first.converted, first.changed) == (ArmTally(1, 0, 0.0), False, True)
    later = apply_outcome(first.tally, False, True, deal_value=None)  # no value: counts 0
    assert (later.tally, later.converted, later.changed) == (ArmTally(1, 1, 0.0), True, True)
    again = apply_outcome(later.tally, True, True, deal_value=99.0)
    assert (again.tally, again.converted, again.changed) == (ArmTally(1, 1, 0.0), True, False)
    valued = apply_outcome(ArmTally(), None, True, deal_value=250.0)
    assert valued.tally == ArmTally(1, 1, 250.0)


def test_wilson_edges():
    assert wilson(0, 0, 1.96) == (0.0, 1.0)
    lower, upper = wilson(1, 1, 1.96)  # centre (1 + z²/2)/(1 + z²), half below it
    z2 = 1.96**2
    centre = (1 + z2 / 2) / (1 + z2)
    half = 1.96 / (1 + z2) * np.sqrt(z2 / 4)
    assert (lower, upper) == pytest.approx((centre - half, min(1.0, centre + half)))
    assert wilson(10, 10, 1.96)[1] == 1.0 and wilson(0, 10, 1.96)[0] == 0.0
    assert z_value(0.9) == pytest.approx(1.6448536269514722)


def test_guardrail_value_needs_burn_in_and_uses_the_policys_alpha():
    policy = DecisionPolicy(burn_in=200)
    assert treatment_worse_now(SequentialState(), ArmTally(199, 40), ArmTally(5000, 500),
                               policy) is None
    # 50 % vs 10 % on 200 leads each: clearly worse
    assert treatment_worse_now(SequentialState(), ArmTally(200, 100), ArmTally(200, 20),
                               policy) is True
    # a borderline drop: p = 0.44, significant at alpha 0.5, not at 0.05
    args = (SequentialState(), ArmTally(2000, 240), ArmTally(2000, 200))
    assert treatment_worse_now(*args, DecisionPolicy(alpha=0.05)) is False
    assert treatment_worse_now(*args, DecisionPolicy(alpha=0.5)) is True


def test_shadow_scores_are_clipped_to_the_unit_interval():
    out = shadow_comparisons("m", ["a", "b"], [None, "e"], "1", "2",
                             np.array([-0.2, 1.3]), np.array([1.5, -0.1]), 3.0,
                             np.array([4.0, 5.0]), GradeScale(),
                             datetime(2025, 1, 1, tzinfo=UTC))
    assert [(c.champion_score, c.challenger_score, c.abs_diff) for c in out] == [
        (0.0, 1.0, 1.0), (1.0, 0.0, 1.0)]
    assert [(c.champion_latency_ms, c.challenger_latency_ms) for c in out] == [
        (3.0, 4.0), (3.0, 5.0)]


def test_simulation_counts_and_naive_looks():
    sim = simulate_looks(seed=1, experiments=3, looks=4, leads_per_look=100, p_control=0.1,
                         p_treatment=0.1)
    np.testing.assert_array_equal(sim.n_control + sim.n_treatment,
                                  np.tile([100, 200, 300, 400], (3, 1)))
    again = simulate_looks(seed=1, experiments=3, looks=4, leads_per_look=100,
                           p_control=0.1, p_treatment=0.1)
    np.testing.assert_array_equal(sim.conv_control, again.conv_control)
    # a huge effect is rejected at every look; every=1 (default) reads all of them
    big = simulate_looks(seed=2, experiments=5, looks=4, leads_per_look=2000,
                         p_control=0.1, p_treatment=0.3)
    assert naive_rejections(big, 0.05).all()
    assert naive_rejections(big, 0.05, every=4).all()
    assert not naive_rejections(big, 0.0).any()  # p < 0 never: the test is strict


def test_fixed_horizon_degenerate_tables_are_zero_without_warnings():
    import warnings

    from scoring.experiments.fixed_horizon import chi2_2x2

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chi2, p = chi2_2x2([10, 0, 5], [100, 100, 0], [0, 0, 5], [0, 100, 50])
    np.testing.assert_array_equal(chi2, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(p, [1.0, 1.0, 1.0])
    # 10/100 vs 20/100 by hand: pooled 0.15, var = 0.15 * 0.85 * 0.02, chi2 = 0.01 / var
    chi2, _ = chi2_2x2(10, 100, 20, 100)
    assert float(chi2) == pytest.approx(0.01 / (0.15 * 0.85 * 0.02))


def test_srm_result_fields_for_degenerate_shares():
    from scoring.experiments import sample_ratio_mismatch

    fine = sample_ratio_mismatch(100, 0, 0.0)
    assert (fine.chi2, fine.p_value, fine.expected_share, fine.observed_share) == (
        0.0, 1.0, 0.0, 0.0)
    assert sample_ratio_mismatch(100, 0, 0.0, alpha=1.0).ok  # p = 1 >= alpha = 1
    split = sample_ratio_mismatch(40, 60, 0.5)
    assert (split.expected_share, split.observed_share) == (0.5, 0.6)
    assert sample_ratio_mismatch(40, 60, 0.5, alpha=split.p_value).ok  # p >= alpha


def test_srm_chi2_of_empty_arms_is_zero():
    import warnings

    from scoring.experiments.srm import srm_chi2

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chi2, p = srm_chi2([0, 1, 30], [0, 0, 70], 0.5)
    assert chi2.tolist() == [0.0, 1.0, 16.0] and p[0] == 1.0


def test_katz_estimate_without_treatment_conversions():
    from scoring.experiments.counts import ArmCounts
    from scoring.experiments.lift import katz_relative

    k = katz_relative(ArmCounts(200, 20), ArmCounts(300, 0), 1.96)
    assert k.estimate == -1.0 and (k.lower, k.upper) == (None, None)
    k = katz_relative(ArmCounts(200, 20), ArmCounts(0, 0), 1.96)
    assert k.estimate is None


def test_a_weak_likelihood_ratio_gives_its_own_p_value():
    # Λ between 1 and 2: p = 1/Λ lies in (0.5, 1)
    from scoring.experiments import ArmCounts, sequential_look

    s = sequential_look(SequentialState(), ArmCounts(3000, 300), ArmCounts(3000, 345))
    assert 0.5 < s.p_value < 1.0
    from scoring.experiments.sequential import treatment_below_control
    worse = SequentialState(p_value=0.07, upper=-0.01)
    assert not treatment_below_control(worse)
    assert treatment_below_control(worse, alpha=0.1)
