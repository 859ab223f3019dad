"""Resuming an experiment from its last report keeps the always-valid CI, not just p.

The interval of one look is worked out here from the formula in
``scoring.experiments.sequential`` (smoothed plug-in variance, mixture half-width), so the
test can tell the running intersection from a fresh interval.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from schemas.experiments import ExperimentReport
from scoring.experiments import (
    ArmTally,
    ExperimentContext,
    SequentialState,
    build_report,
    state_from_report,
)
from scoring.experiments.sequential import DEFAULT_TAU2

CTX = ExperimentContext("exp-1", "lead-scoring", "ab", 0.5, "3", "4")
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def raw_interval(control: ArmTally, treatment: ArmTally, alpha: float = 0.05):
    """θ̂ ± half-width of one look, by hand (no running intersection)."""
    (nc, xc), (nt, xt) = (control.outcomes, control.conversions), (
        treatment.outcomes, treatment.conversions)
    sc, st = (xc + 1) / (nc + 2), (xt + 1) / (nt + 2)
    v, t2 = sc * (1 - sc) / nc + st * (1 - st) / nt, DEFAULT_TAU2
    theta = xt / nt - xc / nc
    half = math.sqrt(2 * v * (v + t2) / t2 * (math.log(1 / alpha) + 0.5 * math.log((v + t2) / v)))
    return theta - half, theta + half, theta


def through_json(report: ExperimentReport) -> SequentialState:
    return state_from_report(ExperimentReport.model_validate_json(report.model_dump_json()))


LOOKS = [
    (ArmTally(6000, 600), ArmTally(6000, 700)),
    (ArmTally(12000, 1200), ArmTally(12000, 1700)),
    (ArmTally(18000, 1800), ArmTally(18000, 2300)),
]


def test_the_resumed_state_is_the_state_the_look_returned():
    report, state = build_report(CTX, *LOOKS[0], SequentialState(), NOW)
    resumed = through_json(report)
    assert resumed == state
    lower, upper, theta = raw_interval(*LOOKS[0])
    assert (resumed.lower, resumed.upper, resumed.estimate) == pytest.approx(
        (lower, upper, theta), rel=1e-12)


def test_the_next_look_intersects_with_the_resumed_interval():
    first, _ = build_report(CTX, *LOOKS[0], SequentialState(), NOW)
    lower1, upper1, _ = raw_interval(*LOOKS[0])
    lower2, upper2, theta2 = raw_interval(*LOOKS[1])
    assert upper2 > upper1  # the estimate moved up: the old upper bound must stay binding
    second, state = build_report(CTX, *LOOKS[1], through_json(first), NOW)
    assert state.upper == pytest.approx(upper1, rel=1e-12)
    assert state.lower == pytest.approx(max(lower1, lower2), rel=1e-12)
    assert state.estimate == pytest.approx(theta2) and state.looks == 2
    assert second.sequential_ci.upper == pytest.approx(upper1, rel=1e-12)


def test_resuming_after_every_look_equals_never_stopping():
    in_memory, resumed = SequentialState(), SequentialState()
    for control, treatment in LOOKS:
        _, in_memory = build_report(CTX, control, treatment, in_memory, NOW)
        report, _ = build_report(CTX, control, treatment, resumed, NOW)
        resumed = through_json(report)
        assert resumed == in_memory


def test_a_report_without_bounds_resumes_to_the_widest_interval():
    report, _ = build_report(CTX, ArmTally(50, 5), ArmTally(50, 9), SequentialState(), NOW)
    bare = report.model_copy(update={"sequential_ci": report.sequential_ci.model_copy(
        update={"lower": None, "upper": None, "estimate": None})})
    state = state_from_report(bare)
    assert (state.lower, state.upper, state.estimate, state.looks) == (-1.0, 1.0, None, 1)
    assert state.p_value == report.sequential_p_value
