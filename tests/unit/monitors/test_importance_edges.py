"""Importance shift at its edges, worked out by hand: exactly ``min_leads`` leads, a
reference whose importances are all clamped to 0 (shares 0, not a division by 0), and every
field of the result."""

from __future__ import annotations

from monitors.importance import importance_shift


def test_a_reference_of_negative_importances_has_zero_shares() -> None:
    # reference clamped to (0, 0): shares (0, 0); current (1, 3): shares (0.25, 0.75);
    # distance = (0.25 + 0.75) / 2; ties rank by name, so a is first at training
    shift = importance_shift({"a": -1.0, "b": 0.0}, {"a": 1.0, "b": 3.0}, n_leads=200)
    assert shift is not None  # exactly the default min_leads of 200 is enough
    assert shift.features == ("b", "a")
    assert shift.reference_share == (0.0, 0.0)
    assert shift.current_share == (0.75, 0.25)
    assert shift.reference_rank == (2, 1) and shift.current_rank == (1, 2)
    assert shift.distance == 0.5 and shift.top_changed
    assert shift.n_leads == 200
    assert (shift.reference_top, shift.current_top) == ("a", "b")


def test_one_lead_short_of_the_default_minimum_gives_no_verdict() -> None:
    assert importance_shift({"a": 1.0, "b": 2.0}, {"a": 2.0, "b": 1.0}, n_leads=199) is None
    assert importance_shift({"a": 1.0, "b": 2.0}, {"a": 2.0, "b": 1.0}, n_leads=5,
                            min_leads=5) is not None
