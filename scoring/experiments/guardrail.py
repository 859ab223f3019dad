"""The A/B guardrail's reading of an experiment: invalid (SRM), worse, healthy, not judged.

At each monitor window close of a canary/A/B challenger, the monitor first checks the
split: a sample-ratio mismatch (:func:`scoring.experiments.srm.sample_ratio_mismatch`,
p < ``policy.srm_alpha``) means assignment or logging is broken, so the lift cannot be
read: the verdict is ``SRM_INVALID`` (stop the experiment and alert), never "treatment
worse" (a rollback). Only a valid split is judged by one look of the policy's always-valid
test (the horizon-bounded one, :mod:`scoring.experiments.bounded`, or the mSPRT,
:mod:`scoring.experiments.sequential`) from the experiment's last stored sequential state
and the current per-arm tallies. The look is not stored: both tests bound the error over
every look (the bounded one up to its horizon), so an extra unstored look neither inflates
the error rate nor disturbs the report's state.

``NOT_JUDGED`` (before the burn-in of both arms) maps to the guardrail value ``None``:
the guardrail then keeps its state instead of counting a clean window; so does
``SRM_INVALID``, whose action is the stop, not the guardrail's rollback.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from scoring.experiments.counts import ArmTally
from scoring.experiments.report import DecisionPolicy
from scoring.experiments.sequential import SequentialState, treatment_below_control
from scoring.experiments.srm import SrmResult, sample_ratio_mismatch


class GuardrailVerdict(StrEnum):
    NOT_JUDGED = "not_judged"
    HEALTHY = "healthy"
    TREATMENT_WORSE = "treatment_worse"
    SRM_INVALID = "srm_invalid"


@dataclass(frozen=True)
class Split:
    """Leads routed to each arm and the treatment share in force for all of them."""

    control: int
    treatment: int
    treatment_share: float


@dataclass(frozen=True)
class GuardrailReading:
    verdict: GuardrailVerdict
    srm: SrmResult | None = None

    @property
    def treatment_below_control(self) -> bool | None:
        """The guardrail metric: True/False when judged; None when not judged or invalid."""
        return {GuardrailVerdict.TREATMENT_WORSE: True,
                GuardrailVerdict.HEALTHY: False}.get(self.verdict)


def read_experiment(previous: SequentialState, control: ArmTally, treatment: ArmTally,
                    policy: DecisionPolicy, split: Split | None) -> GuardrailReading:
    """SRM first (``split`` None: not checkable, e.g. the share changed mid-run), then
    the sequential look."""
    srm = None
    if split is not None and split.control + split.treatment > 0:
        srm = sample_ratio_mismatch(split.control, split.treatment, split.treatment_share,
                                    policy.srm_alpha)
        if not srm.ok:
            return GuardrailReading(GuardrailVerdict.SRM_INVALID, srm)
    worse = treatment_worse_now(previous, control, treatment, policy)
    if worse is None:
        return GuardrailReading(GuardrailVerdict.NOT_JUDGED, srm)
    return GuardrailReading(
        GuardrailVerdict.TREATMENT_WORSE if worse else GuardrailVerdict.HEALTHY, srm)


def treatment_worse_now(previous: SequentialState, control: ArmTally, treatment: ArmTally,
                        policy: DecisionPolicy) -> bool | None:
    """The sequential look alone: True when treatment < control is significant."""
    if min(control.outcomes, treatment.outcomes) < max(policy.burn_in, 1):
        return None
    state = policy.look(previous, control.counts(), treatment.counts())
    return treatment_below_control(state, policy.alpha)
