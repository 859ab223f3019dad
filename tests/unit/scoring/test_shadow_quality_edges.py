"""Champion and shadow challenger at the edges, worked out by hand: two of each class, one
label, none; exactly ``min_labels`` labels; p exactly ``alpha``; the JSON and the sentence
in full, and ``p_text``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from scoring.experiments.shadow_quality import Ranking, p_text, shadow_quality

Y = np.array([1.0, 1.0, 0.0, 0.0])
CHAMPION = np.array([0.9, 0.4, 0.5, 0.1])
CHALLENGER = np.array([0.9, 0.6, 0.5, 0.1])


def test_two_of_each_class_in_json_worked_out_by_hand() -> None:
    # AUCs 0.75 and 1 (test_delong_paired_edges: se = sqrt(0.125), z = 1/sqrt(2)); the top
    # 10 % of 4 leads is the one scored 0.9, converted; deciles of 4 rows hold one row each,
    # so ECE = mean |score - outcome|: (0.1 + 0.6 + 0.5 + 0.1) / 4 and (0.1 + 0.5 + 0.4 + 0.1) / 4
    q = shadow_quality(Y, CHAMPION, CHALLENGER, ("1", "2"), min_labels=4)
    assert q.ranking is Ranking.NO_DIFFERENCE  # exactly min_labels labels give a verdict
    doc = q.as_dict()
    p = 2 * norm.sf(1 / math.sqrt(2))
    half = 1.959963984540054 * math.sqrt(0.125)
    assert {k: doc[k] for k in ("n_labels", "conversions", "min_labels", "alpha", "ranking")} == {
        "n_labels": 4, "conversions": 2, "min_labels": 4, "alpha": 0.05,
        "ranking": "no significant difference"}
    assert doc["champion"] == {"version": "1", "auc": 0.75, "precision_at_10": 1.0,
                               "calibration_error": pytest.approx(0.325)}
    assert doc["challenger"] == {"version": "2", "auc": 1.0, "precision_at_10": 1.0,
                                 "calibration_error": pytest.approx(0.275)}
    assert doc["paired_delong"] == {"difference": 0.25, "p_value": pytest.approx(p),
                                    "low": pytest.approx(0.25 - half),
                                    "high": pytest.approx(0.25 + half), "level": 0.95}
    assert doc["verdict"] == (
        "Neither model ranks leads significantly better at alpha 0.05: challenger v2 vs "
        "champion v1, AUC 1.000 vs 0.750 (+0.250, 95% CI [-0.443, +0.943]), paired DeLong "
        "p=0.48 on 4 labelled leads.")


def test_no_labels_leave_every_metric_undefined_and_null_in_json() -> None:
    q = shadow_quality([], [], [], ("1", "2"))
    assert q.ranking is Ranking.TOO_FEW and (q.n_labels, q.conversions) == (0, 0)
    for model, version in ((q.champion, "1"), (q.challenger, "2")):
        assert model.version == version
        assert all(isinstance(v, float) and math.isnan(v)
                   for v in (model.auc, model.precision_at_10, model.calibration_error))
    doc = q.as_dict()
    assert doc["champion"] == {"version": "1", "auc": None, "precision_at_10": None,
                               "calibration_error": None}
    assert doc["paired_delong"] == {"difference": None, "p_value": None, "low": None,
                                    "high": None, "level": 0.95}
    assert doc["verdict"] == ("Cannot tell yet which model ranks leads better: "
                              "0 / 100 labelled leads.")


def test_one_label_has_a_precision_and_a_calibration_error_but_no_auc() -> None:
    q = shadow_quality([1.0], [0.3], [0.6], ("1", "2"))
    assert math.isnan(q.champion.auc) and math.isnan(q.challenger.auc)
    assert (q.champion.precision_at_10, q.challenger.precision_at_10) == (1.0, 1.0)
    assert q.champion.calibration_error == pytest.approx(0.7)
    assert q.challenger.calibration_error == pytest.approx(0.4)


def test_the_default_minimum_is_one_hundred_labels_and_is_kept() -> None:
    y = np.tile([1.0, 0.0], 50)
    scores = np.linspace(0.01, 0.99, 100)
    q = shadow_quality(y, scores, scores, ("1", "2"))
    assert q.ranking is Ranking.NO_DIFFERENCE and (q.min_labels, q.alpha) == (100, 0.05)
    short = shadow_quality(y[:99], scores[:99], scores[:99], ("1", "2"))
    assert short.ranking is Ranking.TOO_FEW and short.min_labels == 100
    assert short.sentence() == ("Cannot tell yet which model ranks leads better: "
                                "99 / 100 labelled leads.")


def test_a_p_value_of_exactly_alpha_is_no_difference() -> None:
    # identical rankings: difference 0, p = 1; at alpha = 1 the test is not significant
    q = shadow_quality(Y, CHAMPION, CHAMPION, ("1", "2"), alpha=1.0, min_labels=4)
    assert q.test.p_value == 1.0 and q.ranking is Ranking.NO_DIFFERENCE and q.alpha == 1.0


def test_p_text() -> None:
    assert p_text(0.0) == "<1e-300"
    assert p_text(0.012345) == "=0.0123"
    assert p_text(1.0) == "=1"
    assert p_text(5e-324) == "=4.94e-324"
