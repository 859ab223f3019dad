"""Label-quality numbers at their edges: ties at the cut, score 1.0, tiny windows, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from monitors.quality import (
    LabelQuality,
    QualityRule,
    expected_calibration_error,
    precision_at_top,
    window_quality,
)


def test_ties_at_the_top_cut_keep_the_input_order():
    # 1000 leads on three score levels; the top 10 % (100) all lie in the 0.9 level, and
    # among equal scores the earlier leads come first: leads are labelled by position
    rng = np.random.default_rng(0)
    scores = rng.choice([0.2, 0.5, 0.9], 1000)
    labels = np.zeros(1000)
    top_level = np.flatnonzero(scores == 0.9)
    labels[top_level[:50]] = 1.0  # the first 50 of the top level converted
    assert precision_at_top(labels, scores, 0.1) == pytest.approx(0.5)


def test_at_least_one_lead_is_in_the_top():
    assert precision_at_top([1.0, 0.0], [0.9, 0.1], share=0.01) == 1.0
    assert precision_at_top([0.0, 1.0, 1.0], [0.9, 0.5, 0.1], share=0.5) == 0.5
    assert precision_at_top([], []) is None


def test_a_score_of_one_falls_in_the_last_calibration_bin():
    # one lead scored 1.0 that converted: perfectly calibrated, gap 0
    assert expected_calibration_error([1.0], [1.0]) == 0.0
    # 0.0 and 1.0 in the end bins, both wrong: gaps of 1 each
    assert expected_calibration_error([1.0, 0.0], [0.0, 1.0]) == pytest.approx(1.0)
    # two bins by hand: [0.05, 0.15] with labels [0, 1] -> bins 0 and 1, gaps .05 and .85
    assert expected_calibration_error([0.0, 1.0], [0.05, 0.15]) == pytest.approx(0.45)
    assert expected_calibration_error([1.0, 0.0], [0.95, 0.95], bins=2) == pytest.approx(0.45)
    assert expected_calibration_error([], []) is None


def test_minimum_labels_is_inclusive():
    y, p = [0.0, 1.0] * 50, [0.2, 0.8] * 50
    assert window_quality(y[:-1], p[:-1]) == LabelQuality(99)
    q = window_quality(y, p)
    assert q.n_labels == 100 and q.auc == 1.0 and q.precision_at_10 == 1.0
    assert q.calibration_error == pytest.approx(0.2)
    assert window_quality([1.0], [0.3], QualityRule(min_labels=1)).precision_at_10 == 1.0
    assert window_quality([], [], QualityRule(min_labels=0)) == LabelQuality(0)


def test_rule_top_share_and_bins_are_used():
    y = [1.0] * 20 + [0.0] * 80
    p = list(np.linspace(1.0, 0.0, 100))
    q = window_quality(y, p, QualityRule(min_labels=10, top_share=0.5, bins=1))
    assert q.precision_at_10 == pytest.approx(0.4)
    assert q.calibration_error == pytest.approx(abs(np.mean(p) - 0.2))


def test_bad_input_is_refused_with_a_message():
    with pytest.raises(ValueError, match=r"labels \(2,\) and scores \(3,\) must be aligned"):
        window_quality([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=r"^labels must be 0 or 1$"):
        window_quality([0, 2], [0.1, 0.2])
