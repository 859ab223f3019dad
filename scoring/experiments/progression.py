"""The automatic progression of a canary: one pure decision per closed monitor window.

:func:`decide` takes the experiment's :class:`Progress`, the :class:`Evidence` of the
window that closed and the policy it carries, and returns the new progress and a
:class:`Decision` — ``hold``, ``advance`` (next step), ``promote``, ``abort`` (the
challenger is worse or a guardrail it must pass is critical: stopped, marked rolled back)
or ``stop`` (inconclusive after ``max_windows``: keep the control). Rules, first match wins:

1. a window at or before the last one decided is a replay: no decision (idempotent);
2. a required guardrail CRITICAL, or the always-valid test says the treatment converts
   worse (CI below 0 at ``alpha``): ``abort``;
3. a sample-ratio mismatch: ``hold`` (the guardrail path stops the experiment; the lift of
   a broken split is never read, so nothing advances or promotes);
4. a required guardrail not HEALTHY (or not reported): ``hold``;
5. a window that began before the step did (a backlog replayed after a restart) does not
   count; dwell not reached at this step (``min_windows`` windows, ``min_samples`` leads
   served by the challenger since the step began): ``hold``;
6. not at the last step: ``advance``; at the last step, the verdict: the always-valid CI's
   lower bound above ``-margin`` with ``min_outcomes_per_arm`` in each arm: ``promote``;
7. else ``hold``, and ``stop`` once the experiment has seen ``max_windows`` windows, or
   once a horizon-bounded test reached its horizon with a CI that cannot promote (its
   verdict is final: inconclusive keeps the control).

A webhook that refuses (``gate_refusals``) turns an ``advance``/``promote`` into a hold.
The share in force is read from the evidence: a person who moved the canary by hand
(``experiment step``) resets the dwell at the step the share now matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from schemas.monitor import GuardrailLevel
from scoring.experiments.policy import ProgressionPolicy
from scoring.experiments.progress_evidence import Evidence

__all__ = ["TERMINAL", "Action", "Decision", "Evidence", "Progress", "decide", "step_of"]


class Action(StrEnum):
    HOLD = "hold"
    ADVANCE = "advance"
    PROMOTE = "promote"
    ABORT = "abort"
    STOP = "stop"


TERMINAL = frozenset({Action.PROMOTE, Action.ABORT, Action.STOP})


class Progress(BaseModel):
    """Where a canary (or a shadow run) stands; the controller keeps it beside the serving
    config."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    experiment_id: str
    policy: ProgressionPolicy
    step: int = 0
    step_windows: int = 0
    total_windows: int = 0
    step_start_assigned: int = 0
    step_started_ms: int = 0
    """A window that began before this (a backlog after a restart) was served at the share
    before: it does not count toward this step's dwell."""
    last_window_end_ms: int | None = None
    last_action: Action | None = None
    last_reasons: tuple[str, ...] = ()
    finished: bool = False
    shadow_of: str | None = None
    """The challenger version of a shadow run under the policy (None: a canary); its
    decisions are :func:`scoring.experiments.shadow_progression.decide_shadow`'s."""

    @property
    def share(self) -> float:
        return 0.0 if self.shadow_of is not None else self.policy.steps[self.step]

    @property
    def last_step(self) -> bool:
        return self.step == len(self.policy.steps) - 1


@dataclass(frozen=True)
class Decision:
    action: Action
    reasons: tuple[str, ...]
    experiment_id: str
    window_end_ms: int
    share_from: float
    share_to: float
    evidence: dict[str, float | int | str | None] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The idempotency key of the action (a replayed window maps to the same key)."""
        return f"auto:{self.experiment_id}:{self.window_end_ms}"[:128]


def step_of(policy: ProgressionPolicy, share: float) -> int:
    """The highest step at or below ``share`` (0 when below the first)."""
    below = [i for i, s in enumerate(policy.steps) if s <= share + 1e-9]
    return below[-1] if below else 0


def _synced(p: Progress, e: Evidence) -> Progress:
    """Follow a share someone set by hand: the dwell starts again at its step."""
    step = step_of(p.policy, e.treatment_share)
    if step == p.step:
        return p
    return p.model_copy(update={"step": step, "step_windows": 0,
                                "step_start_assigned": e.treatment_assigned,
                                "step_started_ms": e.decided_at_ms})


def _propose(p: Progress, e: Evidence, windows: int) -> tuple[Action, list[str]]:
    pol = p.policy
    names = pol.healthy or tuple(sorted(e.guardrails))
    critical = [n for n in names if e.guardrails.get(n) is GuardrailLevel.CRITICAL]
    if critical:
        return Action.ABORT, [f"guardrail(s) {', '.join(critical)} CRITICAL"]
    significant = e.p_value <= pol.alpha
    if significant and e.upper is not None and e.upper < 0.0:
        return Action.ABORT, [f"treatment converts worse: always-valid CI upper {e.upper:+.4f}"
                              f" < 0 (p={e.p_value:.3g})"]
    if not e.srm_ok:
        return Action.HOLD, [f"sample-ratio mismatch (p={e.srm_p_value:.2g}): not read"]
    unhealthy = [f"{n}={e.guardrails[n].value}" if n in e.guardrails else f"{n}=unreported"
                 for n in names if e.guardrails.get(n) is not GuardrailLevel.HEALTHY]
    if unhealthy:
        return Action.HOLD, [f"guardrail(s) not HEALTHY: {', '.join(unhealthy)}"]
    served = e.treatment_assigned - p.step_start_assigned
    if e.window_start_ms < p.step_started_ms:
        return Action.HOLD, [f"window began before the step at {p.share:.0%}: not counted"]
    if windows < pol.min_windows or served < pol.min_samples:
        return Action.HOLD, [f"dwell {windows}/{pol.min_windows} windows, {served}/"
                             f"{pol.min_samples} leads at {p.share:.0%}"]
    if not p.last_step:
        return Action.ADVANCE, [f"dwell met ({windows} windows, {served} leads), guardrails "
                                f"HEALTHY: {p.share:.0%} -> {pol.steps[p.step + 1]:.0%}"]
    low = min(e.control_outcomes, e.treatment_outcomes)
    if low < pol.min_outcomes_per_arm:
        return Action.HOLD, [f"{low}/{pol.min_outcomes_per_arm} outcomes in the smaller arm"]
    if e.lower is not None and e.upper is not None and e.lower > -pol.margin:
        better = "better" if e.lower > 0 else f"not worse by more than {pol.margin:g}"
        return Action.PROMOTE, [f"treatment {better}: always-valid CI [{e.lower:+.4f}, "
                                f"{e.upper:+.4f}] at alpha {pol.alpha:g}"]
    return Action.HOLD, [f"inconclusive: always-valid CI [{_f(e.lower)}, {_f(e.upper)}] "
                         f"reaches below -{pol.margin:g}"]


def _promotable(p: Progress, e: Evidence) -> bool:
    """The CI (final once the horizon is reached) lets the last step promote."""
    return e.lower is not None and e.lower > -p.policy.margin


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:+.4f}"


def decide(progress: Progress, evidence: Evidence,
           gate_refusals: tuple[str, ...] = ()) -> tuple[Progress, Decision | None]:
    """The new progress and the decision for ``evidence`` (None: a replay, or finished)."""
    last = progress.last_window_end_ms
    if progress.finished or (last is not None and evidence.window_end_ms <= last):
        return progress, None
    p = _synced(progress, evidence)
    windows = p.step_windows + (evidence.window_start_ms >= p.step_started_ms)
    total = p.total_windows + 1
    action, reasons = _propose(p, evidence, windows)
    if action in (Action.ADVANCE, Action.PROMOTE) and gate_refusals:
        action, reasons = Action.HOLD, [*reasons, f"held by webhook: {'; '.join(gate_refusals)}"]
    if action is Action.HOLD and total >= p.policy.max_windows:
        action = Action.STOP
        reasons = [*reasons, f"{total} windows without a decision: stop, keep control"]
    elif action is Action.HOLD and evidence.horizon_reached and not _promotable(p, evidence):
        action = Action.STOP
        reasons = [*reasons, "the bounded test reached its horizon without a verdict: stop, "
                             "keep control"]
    share_to = p.policy.steps[p.step + 1] if action is Action.ADVANCE else p.share
    update: dict[str, object] = {"step_windows": windows, "total_windows": total,
                                 "last_window_end_ms": evidence.window_end_ms,
                                 "last_action": action, "last_reasons": tuple(reasons),
                                 "finished": action in TERMINAL}
    if action is Action.ADVANCE:
        update |= {"step": p.step + 1, "step_windows": 0,
                   "step_start_assigned": evidence.treatment_assigned,
                   "step_started_ms": evidence.decided_at_ms}
    decision = Decision(action, tuple(reasons), p.experiment_id, evidence.window_end_ms,
                        p.share, share_to, evidence.as_dict())
    return p.model_copy(update=update), decision
