"""A shadow run that ends on its labels: one pure decision per closed monitor window.

In shadow mode both models score every lead, so the outcomes label both on the same leads
and DeLong's paired test (:func:`~scoring.experiments.shadow_quality.shadow_quality`)
compares their ranking. :func:`decide_shadow` takes the run's
:class:`~scoring.experiments.progression.Progress` (``shadow_of`` set), the
:class:`ShadowEvidence` of the challenger's window that closed and the policy it carries,
and returns the new progress and a :class:`~scoring.experiments.progression.Decision`.
Rules, first match wins:

1. a window at or before the last one decided is a replay: no decision (idempotent);
2. a required guardrail of the challenger CRITICAL: ``abort``;
3. fewer than ``min_labels`` labelled leads, or not both outcomes among them: ``hold``;
4. the paired interval of AUC(challenger) - AUC(champion) at level 1 - ``alpha`` lies
   below 0 (the challenger ranks leads significantly worse): ``abort``;
5. a required guardrail not HEALTHY (or not reported): ``hold``;
6. the interval's lower bound above ``-auc_margin`` (better, or not worse by more than
   the margin): ``promote`` when the policy allows it (``[shadow] promote``), else ``hold``;
7. else ``hold``, and ``stop`` (keep the champion) once the run has seen ``max_windows``.

A webhook that refuses (``gate_refusals``) turns a ``promote`` into a hold. The controller
applies the actions as it does a canary's (:mod:`scoring.control.progress`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from schemas.monitor import GuardrailLevel
from scoring.experiments.progression import TERMINAL, Action, Decision, Progress

if TYPE_CHECKING:  # scipy's import is paid by whoever builds the quality, not here
    from scoring.experiments.shadow_quality import ShadowQuality

__all__ = ["ShadowEvidence", "decide_shadow", "shadow_evidence", "shadow_run_id"]


def shadow_run_id(model_name: str, sequence: int) -> str:
    """The id of the shadow run started by the configuration of ``sequence`` (a shadow's
    configuration has no experiment id; nothing else changes it while the run lasts)."""
    return f"{model_name}-shadow-{sequence}"[:128]


@dataclass(frozen=True)
class ShadowEvidence:
    """What one closed window says about a shadow challenger (counts and tests only)."""

    window_end_ms: int
    quality: ShadowQuality
    guardrails: dict[str, GuardrailLevel]
    window_start_ms: int = 0
    decided_at_ms: int = 0
    guardrail_values: dict[str, float | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, float | int | str | None]:
        q, t = self.quality, self.quality.test
        out: dict[str, float | int | str | None] = {
            "window_end_ms": self.window_end_ms, "window_start_ms": self.window_start_ms,
            "decided_at_ms": self.decided_at_ms, "n_labels": q.n_labels,
            "conversions": q.conversions, "champion_version": q.champion.version,
            "challenger_version": q.challenger.version, "auc_champion": _num(q.champion.auc),
            "auc_challenger": _num(q.challenger.auc), "auc_difference": _num(t.difference),
            "lower": _num(t.low), "upper": _num(t.high), "p_value": _num(t.p_value),
            "level": t.level}
        out |= {f"guardrail.{k}": v.value for k, v in sorted(self.guardrails.items())}
        out |= {f"value.{k}": v for k, v in sorted(self.guardrail_values.items())}
        return out


def _num(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def shadow_evidence(quality: ShadowQuality, guardrails: dict[str, GuardrailLevel],
                    guardrail_values: dict[str, float | None], window_start_ms: int,
                    window_end_ms: int, now_ms: int) -> ShadowEvidence:
    return ShadowEvidence(window_end_ms, quality, dict(guardrails), window_start_ms, now_ms,
                          dict(guardrail_values))


def _propose(p: Progress, e: ShadowEvidence) -> tuple[Action, list[str]]:
    pol, q, t = p.policy, e.quality, e.quality.test
    names = pol.healthy or tuple(sorted(e.guardrails))
    critical = [n for n in names if e.guardrails.get(n) is GuardrailLevel.CRITICAL]
    if critical:
        return Action.ABORT, [f"guardrail(s) {', '.join(critical)} CRITICAL"]
    if q.n_labels < pol.min_labels or math.isnan(t.low):
        return Action.HOLD, [f"{q.n_labels}/{pol.min_labels} labelled leads "
                             f"({q.conversions} converted)"]
    p = "<1e-300" if t.p_value == 0.0 else f"={t.p_value:.3g}"  # below a float's range
    interval = (f"paired DeLong {t.level:.0%} CI of AUC {q.challenger.auc:.4f} - "
                f"{q.champion.auc:.4f}: [{t.low:+.4f}, {t.high:+.4f}], p{p}, "
                f"{q.n_labels} labels")
    if t.high < 0.0:
        return Action.ABORT, [f"challenger ranks leads worse: {interval}"]
    unhealthy = [f"{n}={e.guardrails[n].value}" if n in e.guardrails else f"{n}=unreported"
                 for n in names if e.guardrails.get(n) is not GuardrailLevel.HEALTHY]
    if unhealthy:
        return Action.HOLD, [f"guardrail(s) not HEALTHY: {', '.join(unhealthy)}"]
    if t.low > -pol.auc_margin:
        better = ("ranks leads better" if t.low > 0 else
                  f"ranks leads not worse by more than {pol.auc_margin:g} AUC")
        if not pol.shadow_promote:
            return Action.HOLD, [f"challenger {better} ({interval}); the policy does not "
                                 "promote a shadow ([shadow] promote = false)"]
        return Action.PROMOTE, [f"challenger {better}: {interval}"]
    return Action.HOLD, [f"inconclusive: {interval} reaches below -{pol.auc_margin:g}"]


def decide_shadow(progress: Progress, evidence: ShadowEvidence,
                  gate_refusals: tuple[str, ...] = ()) -> tuple[Progress, Decision | None]:
    """The new progress and the decision for ``evidence`` (None: a replay, or finished)."""
    last = progress.last_window_end_ms
    if progress.finished or (last is not None and evidence.window_end_ms <= last):
        return progress, None
    total = progress.total_windows + 1
    action, reasons = _propose(progress, evidence)
    if action is Action.PROMOTE and gate_refusals:
        action, reasons = Action.HOLD, [*reasons, f"held by webhook: {'; '.join(gate_refusals)}"]
    if action is Action.HOLD and total >= progress.policy.max_windows:
        action = Action.STOP
        reasons = [*reasons, f"{total} windows without a decision: stop, keep the champion"]
    new = progress.model_copy(update={
        "step_windows": progress.step_windows + 1, "total_windows": total,
        "last_window_end_ms": evidence.window_end_ms, "last_action": action,
        "last_reasons": tuple(reasons), "finished": action in TERMINAL})
    return new, Decision(action, tuple(reasons), progress.experiment_id,
                         evidence.window_end_ms, 0.0, 0.0, evidence.as_dict())
