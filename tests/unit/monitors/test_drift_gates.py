"""The drift gates at their exact boundaries, with p-values and PSI chosen by hand.

``judge`` gets features whose chi-square p-value and PSI are set directly, so each test
states the corrected p-values it expects (Holm and Benjamini-Hochberg worked out on
paper) and the verdict the default policy must give: warn = BH < 1 % and PSI >= 0.1,
critical = Holm < 0.1 % and PSI >= 0.25, nothing below 100 leads.
"""

from __future__ import annotations

import pytest

from monitors.drift import DriftPolicy, FeatureDrift, judge
from schemas.monitor import Severity


def feature(name: str, p: float, psi: float) -> FeatureDrift:
    return FeatureDrift(name=name, kind="numeric", psi=psi, chi2=0.0, chi2_p=p, g=0.0,
                        g_p=p, ks=None, ks_p=None, unseen_share=None, missing_share=0.0)


def verdicts(*features: FeatureDrift, n: int = 1000) -> list[Severity]:
    return [f.severity for f in judge(list(features), n, DriftPolicy())]


def test_critical_is_corrected_with_holm_not_benjamini_hochberg():
    # four equally small p-values: Holm multiplies the smallest by 4 (and carries the
    # maximum down), BH by 4/4; so BH says 0.0004 (< 0.001) but Holm says 0.0016.
    judged = judge([feature(f"x{i}", 0.0004, 0.3) for i in range(4)], 1000, DriftPolicy())
    assert [f.p_holm for f in judged] == pytest.approx([0.0016] * 4)
    assert [f.p_bh for f in judged] == pytest.approx([0.0004] * 4)
    assert all(f.severity is Severity.WARN for f in judged)


def test_one_strong_feature_among_quiet_ones_is_critical_after_holm():
    judged = judge([feature("x", 0.0001, 0.3), feature("y", 0.5, 0.3),
                    feature("z", 0.9, 0.3)], 1000, DriftPolicy())
    # Holm: 3 x 0.0001, then max(0.0003, 2 x 0.5), then max(1.0, 1 x 0.9)
    assert [f.p_holm for f in judged] == pytest.approx([0.0003, 1.0, 1.0])
    # BH: 0.0001 x 3/1; 0.5 x 3/2 = 0.75 then running minimum with 0.9 x 3/3
    assert [f.p_bh for f in judged] == pytest.approx([0.0003, 0.75, 0.9])
    assert [f.severity for f in judged] == [Severity.CRITICAL, Severity.OK, Severity.OK]


def test_critical_alpha_is_a_tenth_of_a_percent_and_strict():
    assert verdicts(feature("x", 0.00099, 0.3)) == [Severity.CRITICAL]
    assert verdicts(feature("x", 0.001, 0.3)) == [Severity.WARN]


def test_warn_needs_bh_below_one_percent():
    assert verdicts(feature("x", 0.009, 0.15)) == [Severity.WARN]
    assert verdicts(feature("x", 0.01, 0.15)) == [Severity.OK]  # strict
    assert verdicts(feature("x", 0.03, 0.15)) == [Severity.OK]  # would warn at q = 5 %
    # with two features BH doubles the smaller p-value: 0.006 x 2/1 = 0.012 > 1 %
    assert verdicts(feature("x", 0.006, 0.15), feature("y", 0.8, 0.0)) == [Severity.OK] * 2


def test_critical_needs_psi_of_a_quarter():
    tiny_p = 1e-12
    assert verdicts(feature("x", tiny_p, 0.25)) == [Severity.CRITICAL]
    assert verdicts(feature("x", tiny_p, 0.2499)) == [Severity.WARN]
    assert verdicts(feature("x", tiny_p, 0.22)) == [Severity.WARN]  # critical at 0.2
    assert verdicts(feature("x", tiny_p, 0.2)) == [Severity.WARN]


def test_warn_needs_psi_of_a_tenth():
    assert verdicts(feature("x", 1e-12, 0.1)) == [Severity.WARN]
    assert verdicts(feature("x", 1e-12, 0.0999)) == [Severity.OK]


def test_no_verdict_below_one_hundred_leads():
    strong = feature("x", 1e-12, 0.9)
    assert verdicts(strong, n=99) == [Severity.INSUFFICIENT_DATA]
    assert verdicts(strong, n=100) == [Severity.CRITICAL]


def test_the_default_policy_is_the_documented_one():
    p = DriftPolicy()
    assert (p.min_n, p.fdr_q, p.critical_alpha, p.psi_warn, p.psi_critical) == (
        100, 0.01, 0.001, 0.1, 0.25)
    assert (p.min_expected, p.top_grade_bound) == (5.0, 0.8)
