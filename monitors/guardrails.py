"""The guardrail state machine of one model role: HEALTHY -> WARNING -> CRITICAL -> HEALTHY.

Per guardrail and closed window: a window whose metric has fewer than ``min_samples``
samples (or no value) changes nothing. Otherwise the guardrail escalates to a level once
``consecutive`` windows in a row reached it, and returns to HEALTHY only after
``clean_windows`` windows in a row without any breach (no partial step down, no flapping).
The role's level is its worst guardrail's.

A guardrail with action ``rollback`` that is CRITICAL asks for one rollback per critical
episode, when the version's last rollback is at least ``cooldown_s`` old (in event time: the
window end), so a slow cooldown delays, never drops, the request. ``step`` is pure: the
caller keeps the state (a faust table) and publishes the events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from monitors.policy import Action, Guardrail, GuardrailPolicy
from schemas.monitor import GuardrailLevel, ModelRole

_RANK = {GuardrailLevel.HEALTHY: 0, GuardrailLevel.WARNING: 1, GuardrailLevel.CRITICAL: 2}


@dataclass(frozen=True)
class WindowMetrics:
    """One closed window's metrics (``treatment_below_control`` may be a bool)."""

    window_start_ms: int
    window_end_ms: int
    n: int
    values: Mapping[str, float | bool | None]
    samples: Mapping[str, int] = field(default_factory=dict)
    """Samples behind a metric when not ``n`` (e.g. latencies, labelled outcomes)."""


@dataclass(frozen=True)
class GuardState:
    level: GuardrailLevel = GuardrailLevel.HEALTHY
    value: float | None = None
    warn_streak: int = 0
    critical_streak: int = 0
    clean_streak: int = 0
    rollback_requested: bool = False


@dataclass(frozen=True)
class RoleState:
    model_name: str
    role: ModelRole
    model_version: str
    guards: Mapping[str, GuardState] = field(default_factory=dict)
    last_rollback_ms: int | None = None

    @property
    def level(self) -> GuardrailLevel:
        return max((g.level for g in self.guards.values()), key=_RANK.__getitem__,
                   default=GuardrailLevel.HEALTHY)


@dataclass(frozen=True)
class Transition:
    guardrail: str
    from_level: GuardrailLevel
    to_level: GuardrailLevel
    value: float | None


@dataclass(frozen=True)
class RollbackDecision:
    """What ``models.rollback`` needs: who, which guardrail, the evidence, which window."""

    model_name: str
    role: ModelRole
    model_version: str
    guardrail: str
    metric: str
    value: float
    threshold: float
    window_start_ms: int
    window_end_ms: int


@dataclass(frozen=True)
class StepEvents:
    transitions: tuple[Transition, ...] = ()
    rollback: RollbackDecision | None = None


def step_guard(g: Guardrail, s: GuardState, value: float | None, samples: int) -> GuardState:
    """One guardrail's state after one window."""
    if value is None or samples < g.min_samples:
        return replace(s, value=None)
    value = float(value)
    seen = _RANK[g.observe(value)]
    warn = s.warn_streak + 1 if seen >= 1 else 0
    crit = s.critical_streak + 1 if seen >= 2 else 0
    clean = s.clean_streak + 1 if seen == 0 else 0
    if crit >= g.consecutive:
        confirmed = GuardrailLevel.CRITICAL
    elif warn >= g.consecutive:
        confirmed = GuardrailLevel.WARNING
    else:
        confirmed = GuardrailLevel.HEALTHY
    level = s.level
    if _RANK[confirmed] > _RANK[level]:
        level = confirmed
    elif level is not GuardrailLevel.HEALTHY and clean >= g.clean_windows:
        level = GuardrailLevel.HEALTHY
    requested = s.rollback_requested and level is GuardrailLevel.CRITICAL
    return GuardState(level, value, warn, crit, clean, requested)


def step(
    state: RoleState, metrics: WindowMetrics, policy: GuardrailPolicy
) -> tuple[RoleState, StepEvents]:
    """The role's state after one closed window, with its transitions and any rollback."""
    guards, transitions, rollback = dict(state.guards), [], None
    last_rollback = state.last_rollback_ms
    for g in policy.guardrails:
        old = guards.get(g.name, GuardState())
        value = metrics.values.get(g.metric)
        new = step_guard(g, old, value, metrics.samples.get(g.metric, metrics.n))
        if new.level is not old.level:
            transitions.append(Transition(g.name, old.level, new.level, new.value))
        if rollback is None and _wants_rollback(g, new, last_rollback, metrics.window_end_ms):
            rollback = RollbackDecision(
                state.model_name, state.role, state.model_version, g.name, g.metric,
                float(new.value), g.critical, metrics.window_start_ms, metrics.window_end_ms,
            )
            new = replace(new, rollback_requested=True)
            last_rollback = metrics.window_end_ms
        guards[g.name] = new
    new_state = replace(state, guards=guards, last_rollback_ms=last_rollback)
    return new_state, StepEvents(tuple(transitions), rollback)


def _wants_rollback(g: Guardrail, s: GuardState, last_ms: int | None, now_ms: int) -> bool:
    if g.action is not Action.ROLLBACK or s.level is not GuardrailLevel.CRITICAL:
        return False
    if s.rollback_requested or s.value is None:
        return False
    return last_ms is None or now_ms - last_ms >= g.cooldown_s * 1000
