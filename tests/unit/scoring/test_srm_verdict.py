"""Sample-ratio mismatch: the verdict (``ok``, ``invalid``) at the documented p < 0.001.

Each case's chi-square is worked out by hand, ``sum (observed - expected)^2 / expected``
over the two arms, and its p-value read from the chi-square(1) survival function.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scipy import stats

from schemas.experiments import Recommendation
from scoring.experiments import sample_ratio_mismatch
from scoring.experiments.counts import ArmTally
from scoring.experiments.report import ExperimentContext, build_report
from scoring.experiments.sequential import SequentialState

NOW = datetime(2025, 3, 1, tzinfo=UTC)


def chi2_by_hand(nc: int, nt: int, share: float) -> float:
    total = nc + nt
    et, ec = total * share, total * (1 - share)
    return (nt - et) ** 2 / et + (nc - ec) ** 2 / ec


@pytest.mark.parametrize(("nc", "nt", "share"), [
    (4878, 5122, 0.5),  # chi2 = 244^2 / 10000 = 5.95, p = 0.015
    (7900, 2100, 0.2),  # chi2 = 100^2/2000 + 100^2/8000 = 6.25, p = 0.012
    (4960, 5040, 0.5),  # chi2 = 0.64, p = 0.42
])
def test_a_split_off_by_chance_at_p_above_a_tenth_of_a_percent_is_valid(nc, nt, share):
    p = stats.chi2.sf(chi2_by_hand(nc, nt, share), 1)
    assert p > 0.001
    result = sample_ratio_mismatch(nc, nt, share)
    assert result.ok
    assert result.chi2 == pytest.approx(chi2_by_hand(nc, nt, share))


@pytest.mark.parametrize(("nc", "nt", "share"), [
    (4830, 5170, 0.5),  # chi2 = 340^2 / 10000 = 11.56, p = 0.00067
    (7830, 2170, 0.2),  # chi2 = 14.45 + 3.61 = 18.06, p = 2e-5
])
def test_a_split_off_at_p_below_a_tenth_of_a_percent_is_invalid(nc, nt, share):
    assert stats.chi2.sf(chi2_by_hand(nc, nt, share), 1) < 0.001
    assert not sample_ratio_mismatch(nc, nt, share).ok


def test_degenerate_shares_need_the_empty_arm_to_be_empty():
    assert sample_ratio_mismatch(0, 100, 1.0).ok
    assert not sample_ratio_mismatch(1, 100, 1.0).ok
    full = sample_ratio_mismatch(2, 100, 1.0)
    assert full.p_value == 0.0 and full.chi2 == float("inf")
    assert sample_ratio_mismatch(100, 0, 0.0).p_value == 1.0


def report_for(nc: int, nt: int, share: float = 0.5):
    ctx = ExperimentContext("exp-1", "lead-scoring", "ab", share, "3", "4")
    control, treatment = ArmTally(300, 30), ArmTally(300, 30)
    report, _ = build_report(ctx, control, treatment, SequentialState(), NOW,
                             assigned=(nc, nt))
    return report


def test_report_is_not_invalid_for_a_chance_imbalance():
    report = report_for(4878, 5122)  # p = 0.015: suspicious at 5 %, fine at 0.1 %
    assert report.srm_ok and report.recommendation is not Recommendation.INVALID
    assert report.srm_p_value == pytest.approx(stats.chi2.sf(5.9536, 1))


def test_report_is_invalid_for_a_real_mismatch():
    report = report_for(4830, 5170)
    assert not report.srm_ok and report.recommendation is Recommendation.INVALID
    assert "sample-ratio mismatch" in report.reasons[0]
