"""Per-arm counts and the idempotent application of one outcome to them.

The outcome agent keeps, per experiment and lead, one remembered state (``None`` = never
seen, else "has converted"). :func:`apply_outcome` is the only way counts change: it is a
pure function of the current tally, the remembered state and the new outcome, and its
result does not depend on redeliveries or on the order of outcomes: a lead counts once
in ``outcomes`` and once in ``conversions`` if any of its outcomes says converted.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArmCounts:
    """Units with a known outcome (``n``) and how many of them converted."""

    n: int
    conversions: int

    def __post_init__(self) -> None:
        if not 0 <= self.conversions <= self.n:
            raise ValueError(f"need 0 <= conversions <= n, got {self.conversions}/{self.n}")

    @property
    def rate(self) -> float | None:
        return self.conversions / self.n if self.n else None


@dataclass(frozen=True)
class ArmTally:
    """What the outcome agent stores per experiment and variant."""

    outcomes: int = 0
    conversions: int = 0
    deal_value: float = 0.0

    def counts(self) -> ArmCounts:
        return ArmCounts(self.outcomes, self.conversions)


@dataclass(frozen=True)
class OutcomeApplied:
    """The new tally, the lead's state to remember, and whether anything changed."""

    tally: ArmTally
    converted: bool
    changed: bool


def apply_outcome(
    tally: ArmTally, previous: bool | None, converted: bool, deal_value: float | None = None
) -> OutcomeApplied:
    """Apply one outcome of a lead whose remembered state is ``previous``.

    ``previous`` is None if the lead has no outcome yet in this experiment, else whether
    it has converted. Redelivery of the same outcome changes nothing; a conversion after a
    non-conversion moves the lead to converted; a non-conversion never undoes one.
    """
    value = deal_value or 0.0
    if previous is None:
        new = ArmTally(
            tally.outcomes + 1,
            tally.conversions + int(converted),
            tally.deal_value + (value if converted else 0.0),
        )
        return OutcomeApplied(new, converted, True)
    if converted and not previous:
        new = ArmTally(tally.outcomes, tally.conversions + 1, tally.deal_value + value)
        return OutcomeApplied(new, True, True)
    return OutcomeApplied(tally, previous, False)
