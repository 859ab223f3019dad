"""Calibration by score decile and conversion by grade, checked against a hand count."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitors.quality import calibration_by_decile, conversion_by_grade


def test_deciles_of_twenty_leads_by_hand() -> None:
    scores = np.arange(20) / 20  # 0.00, 0.05, ... 0.95
    labels = np.array([0] * 10 + [1] * 10)
    deciles = calibration_by_decile(labels, scores)
    assert [n for n, _, _ in deciles] == [2] * 10
    assert deciles[0][1] == pytest.approx(0.025) and deciles[-1][1] == pytest.approx(0.925)
    assert [r for _, _, r in deciles] == [0.0] * 5 + [1.0] * 5


def test_too_few_leads_have_no_deciles() -> None:
    assert calibration_by_decile([1, 0], [0.2, 0.9]) == []


@given(st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1), st.sampled_from("ABCD")),
                max_size=60))
def test_groups_count_every_lead_once(rows) -> None:
    labels = [r[0] for r in rows]
    scores = [r[1] for r in rows]
    by_grade = conversion_by_grade(labels, [r[2] for r in rows])
    for grade, (converted, n) in by_grade.items():
        assert n == sum(1 for r in rows if r[2] == grade)
        assert converted == sum(r[0] for r in rows if r[2] == grade)
    deciles = calibration_by_decile(labels, scores)
    if len(rows) >= 10:
        assert sum(n for n, _, _ in deciles) == len(rows)
        assert sum(n * rate for n, _, rate in deciles) == pytest.approx(sum(labels))
        means = [m for _, m, _ in deciles]
        assert means == sorted(means)


def test_grades_must_align_with_labels() -> None:
    with pytest.raises(ValueError):
        conversion_by_grade([1, 0], ["A"])
