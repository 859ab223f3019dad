"""One look at an experiment: statistics plus a recommendation, as an ExperimentReport.

Decision order (first match wins):

1. ``invalid``: sample-ratio mismatch (chi-square p < ``srm_alpha``, default 0.001);
2. ``continue``: fewer than ``min_outcomes_per_arm`` outcomes in an arm;
3. ``promote``: the always-valid test (the policy's: horizon-bounded or mSPRT) is
   significant and its CI lies above 0;
4. ``keep_control``: significant and its CI lies below 0, or a bounded test reached its
   horizon without being significant (inconclusive);
5. ``continue`` otherwise.

The fixed-horizon chi-square is reported for reference and never decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import scoring.experiments.intervals as intervals
from schemas.experiments import ArmSummary, ExperimentReport, Interval, Recommendation
from schemas.scored import Variant
from scoring.experiments.bounded import HORIZON, bounded_look
from scoring.experiments.bounded import METHOD as BOUNDED_METHOD
from scoring.experiments.counts import ArmCounts, ArmTally
from scoring.experiments.fixed_horizon import fixed_horizon_test
from scoring.experiments.lift import lift
from scoring.experiments.sequential import (
    DEFAULT_BURN_IN,
    SequentialState,
    sequential_look,
    treatment_below_control,
)
from scoring.experiments.srm import SRM_ALPHA, SrmResult, sample_ratio_mismatch
from scoring.experiments.tuning import DEFAULT_MDE, mixing_variance


@dataclass(frozen=True)
class DecisionPolicy:
    """How a look decides. ``test``: the horizon-bounded test (``bounded``,
    :mod:`scoring.experiments.bounded`: its maximum information is ``horizon`` x the
    fixed-horizon sample of the ``mde``) or the open-ended mSPRT (``msprt``, its mixing
    variance ``tau2`` tuned to the ``mde`` by :mod:`scoring.experiments.tuning`; an explicit
    ``tau2`` overrides it). The settings' default is ``bounded``
    (``LEADSTREAM_EXPERIMENT_TEST``); this class's stays the open-ended test, which needs no
    planned end."""

    alpha: float = 0.05
    srm_alpha: float = SRM_ALPHA
    min_outcomes_per_arm: int = 200
    mde: float = DEFAULT_MDE
    tau2: float = field(default=0.0, kw_only=True)
    burn_in: int = DEFAULT_BURN_IN
    test: Literal["bounded", "msprt"] = field(default="msprt", kw_only=True)
    horizon: float = field(default=HORIZON, kw_only=True)

    def __post_init__(self) -> None:
        if self.tau2 <= 0.0:
            object.__setattr__(self, "tau2", mixing_variance(self.mde, self.alpha))

    def look(self, previous: SequentialState, control: ArmCounts,
             treatment: ArmCounts) -> SequentialState:
        """One look of this policy's test; a state another test kept is not continued
        (the union of two tests' rejections would not hold alpha): that test starts afresh."""
        if self.test == "bounded":
            start = previous if previous.method == BOUNDED_METHOD else _fresh(previous)
            return bounded_look(start, control, treatment, self.mde, self.alpha,
                                self.burn_in, self.horizon)
        start = _fresh(previous) if previous.method == BOUNDED_METHOD else previous
        return sequential_look(start, control, treatment, self.tau2, self.alpha,
                               self.burn_in)


def _fresh(previous: SequentialState) -> SequentialState:
    return SequentialState(looks=previous.looks)


@dataclass(frozen=True)
class ExperimentContext:
    experiment_id: str
    model_name: str
    mode: str
    treatment_share: float
    control_version: str | None = None
    treatment_version: str | None = None
    srm_checkable: bool = True
    """False for a canary past its first step: its leads were routed at several shares, so
    no one expected split exists and the sample-ratio test is not run (p reported as 1)."""


def recommend(
    srm: SrmResult, control: ArmTally, treatment: ArmTally,
    state: SequentialState, policy: DecisionPolicy,
) -> tuple[Recommendation, list[str]]:
    """The recommendation and the reasons behind it."""
    if not srm.ok:
        return Recommendation.INVALID, [
            f"sample-ratio mismatch: p={srm.p_value:.2g} < {policy.srm_alpha} "
            f"(observed share {srm.observed_share}, expected {srm.expected_share})"
        ]
    low = min(control.outcomes, treatment.outcomes)
    if low < policy.min_outcomes_per_arm:
        return Recommendation.CONTINUE, [
            f"{low} outcomes in the smaller arm, need {policy.min_outcomes_per_arm}"
        ]
    if not state.significant(policy.alpha):
        if state.horizon_reached:
            return Recommendation.KEEP_CONTROL, [
                f"horizon reached without a verdict (p={state.p_value:.3g} > alpha="
                f"{policy.alpha}): inconclusive, keep control"]
        return Recommendation.CONTINUE, [
            f"sequential p={state.p_value:.3g} > alpha={policy.alpha}"
        ]
    if state.lower > 0.0 and state.lower <= state.upper:
        return Recommendation.PROMOTE, [f"always-valid CI [{state.lower:.4f}, "
                                        f"{state.upper:.4f}] above 0"]
    if treatment_below_control(state, policy.alpha) and state.lower <= state.upper:
        return Recommendation.KEEP_CONTROL, [f"always-valid CI [{state.lower:.4f}, "
                                             f"{state.upper:.4f}] below 0"]
    if state.lower > state.upper:
        return Recommendation.CONTINUE, ["sequential CI is empty: estimates moved "
                                         "inconsistently"]
    return Recommendation.CONTINUE, [f"significant, but the CI [{state.lower:.4f}, "
                                     f"{state.upper:.4f}] still covers 0"]


def _interval(i: intervals.Interval) -> Interval:
    return Interval(estimate=i.estimate, lower=i.lower, upper=i.upper, method=i.method)


def _arm(variant: Variant, tally: ArmTally, version: str | None, assigned: int | None):
    return ArmSummary(
        variant=variant, model_version=version, assigned=assigned, outcomes=tally.outcomes,
        conversions=tally.conversions, conversion_rate=tally.counts().rate,
    )


def build_report(
    ctx: ExperimentContext,
    control: ArmTally,
    treatment: ArmTally,
    previous: SequentialState,
    now: datetime,
    policy: DecisionPolicy = DecisionPolicy(),
    assigned: tuple[int, int] | None = None,
) -> tuple[ExperimentReport, SequentialState]:
    """Take one look; return the report and the sequential state for the next look.

    ``assigned`` is (control, treatment) leads routed, if known; the SRM check uses it,
    else the outcome counts.
    """
    nc, nt = assigned or (control.outcomes, treatment.outcomes)
    srm = sample_ratio_mismatch(nc, nt, ctx.treatment_share, policy.srm_alpha)
    if not ctx.srm_checkable:
        srm = SrmResult(0.0, 1.0, ctx.treatment_share, srm.observed_share, True)
    cc, tc = control.counts(), treatment.counts()
    state = policy.look(previous, cc, tc)
    fixed = fixed_horizon_test(cc, tc) if cc.n and tc.n else None
    lifted = lift(cc, tc)
    decision, reasons = recommend(srm, control, treatment, state, policy)
    if not ctx.srm_checkable:
        reasons = [*reasons, "SRM not checked: leads were routed at several canary shares"]
    report = ExperimentReport(
        experiment_id=ctx.experiment_id, model_name=ctx.model_name, mode=ctx.mode,
        treatment_share=ctx.treatment_share,
        control=_arm(Variant.CONTROL, control, ctx.control_version, assigned and nc),
        treatment=_arm(Variant.TREATMENT, treatment, ctx.treatment_version, assigned and nt),
        srm_p_value=srm.p_value, srm_ok=srm.ok,
        absolute_lift=_interval(lifted.absolute), relative_lift=_interval(lifted.relative),
        fixed_horizon_p_value=fixed.p_value if fixed else None,
        sequential_p_value=state.p_value, sequential_ci=_interval(state.ci()),
        sequential_looks=state.looks, information=state.information, tau2=policy.tau2,
        alpha=policy.alpha,
        min_outcomes_per_arm=policy.min_outcomes_per_arm,
        treatment_worse=treatment_below_control(state, policy.alpha),
        recommendation=decision, reasons=reasons, generated_at=now,
    )
    return report, state


def state_from_report(report: ExperimentReport) -> SequentialState:
    """Resume the sequential state from the last published report of the experiment."""
    ci = report.sequential_ci
    return SequentialState(
        looks=report.sequential_looks, p_value=report.sequential_p_value,
        lower=ci.lower if ci.lower is not None else -1.0,
        upper=ci.upper if ci.upper is not None else 1.0, estimate=ci.estimate,
        method=ci.method, information=report.information,
    )
