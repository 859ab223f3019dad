"""Outcome counting is idempotent under redelivery and independent of order."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.experiments import ArmCounts, ArmTally, apply_outcome


def _replay(events):
    tally, seen = ArmTally(), {}
    for lead, converted, value in events:
        applied = apply_outcome(tally, seen.get(lead), converted, value)
        tally, seen[lead] = applied.tally, applied.converted
    return tally


def test_first_outcome_counts_and_redelivery_is_a_no_op():
    first = apply_outcome(ArmTally(), None, True, 100.0)
    assert first.tally == ArmTally(1, 1, 100.0) and first.changed
    again = apply_outcome(first.tally, first.converted, True, 100.0)
    assert again.tally == first.tally and not again.changed


def test_conversion_after_loss_upgrades_but_loss_never_downgrades():
    lost = apply_outcome(ArmTally(), None, False)
    assert lost.tally == ArmTally(1, 0, 0.0)
    won = apply_outcome(lost.tally, lost.converted, True, 50.0)
    assert won.tally == ArmTally(1, 1, 50.0) and won.converted
    lost_again = apply_outcome(won.tally, won.converted, False)
    assert lost_again.tally == won.tally and not lost_again.changed


def test_any_order_with_duplicates_gives_the_same_counts():
    rng = np.random.default_rng(7)
    events = [(f"l{i % 40}", bool(rng.random() < 0.3), 10.0) for i in range(120)]
    expected_conv = len({lead for lead, c, _ in events if c})
    for _ in range(20):
        shuffled = [events[i] for i in rng.permutation(len(events))]
        shuffled += shuffled[: rng.integers(1, 50)]  # redeliveries
        tally = _replay(shuffled)
        assert (tally.outcomes, tally.conversions) == (40, expected_conv)


def test_arm_counts_validate_and_rate():
    assert ArmCounts(10, 3).rate == 0.3
    assert ArmCounts(0, 0).rate is None
    with pytest.raises(ValueError):
        ArmCounts(3, 4)
