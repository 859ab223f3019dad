"""The A/B guardrail value from the sequential state and the arms' tallies."""

from __future__ import annotations

from scoring.experiments import DecisionPolicy, SequentialState, sequential_look
from scoring.experiments.counts import ArmTally
from scoring.experiments.guardrail import treatment_worse_now

POLICY = DecisionPolicy(alpha=0.05)


def test_not_judged_before_burn_in() -> None:
    assert treatment_worse_now(SequentialState(), ArmTally(99, 30), ArmTally(500, 5),
                               POLICY) is None


def test_significantly_worse_treatment_is_flagged() -> None:
    assert treatment_worse_now(SequentialState(), ArmTally(1000, 300), ArmTally(1000, 50),
                               POLICY) is True


def test_equal_or_better_treatment_is_clean() -> None:
    assert treatment_worse_now(SequentialState(), ArmTally(1000, 200), ArmTally(1000, 205),
                               POLICY) is False
    assert treatment_worse_now(SequentialState(), ArmTally(1000, 50), ArmTally(1000, 300),
                               POLICY) is False


def test_continues_the_stored_state() -> None:
    """A stored look that already proved treatment worse stays worse (the running CI)."""
    stored = sequential_look(SequentialState(), ArmTally(1000, 300).counts(),
                             ArmTally(1000, 50).counts(), POLICY.tau2, POLICY.alpha,
                             POLICY.burn_in)
    assert treatment_worse_now(stored, ArmTally(1100, 320), ArmTally(1100, 90),
                               POLICY) is True
