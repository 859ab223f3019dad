
"""The A/B guardrail's metric: is the treatment converting below control, right now?

At each monitor window close of a canary/A/B challenger, the monitor takes one look of the
always-valid test (mSPRT, :mod:`scoring.experiments.sequential`) from the experiment's
last stored sequential state and the current per-arm tallies. The look is not stored:
any look of an always-valid test may be acted on (Ville's inequality holds at every
stopping time), so an extra unstored look neither inflates the error rate nor disturbs
the report's running state.

``None`` means "not judged" (before the burn-in of both arms): the guardrail then keeps
its state instead of counting a clean window.
"""

from __future__ import annotations

from scoring.experiments.counts import ArmTally
from scoring.experiments.report import DecisionPolicy
from scoring.experiments.sequential import (
    SequentialState,
    sequential_look,
    treatment_below_control,
)


def treatment_worse_now(previous: SequentialState, control: ArmTally, treatment: ArmTally,
                        policy: DecisionPolicy) -> bool | None:
    """The guardrail value of one window: True when treatment < control is significant."""
    if min(control.outcomes, treatment.outcomes) < max(policy.burn_in, 1):
        return None
    state = sequential_look(previous, control.counts(), treatment.counts(), policy.tau2,
                            policy.alpha, policy.burn_in)
    return treatment_below_control(state, policy.alpha)
