"""What happens when a window closes: drift, performance, guardrails, rollback, retrain.

Pure: one :class:`~monitors.windows.ClosedWindow` of one model role/version, its
reference profile and the stored :class:`VersionState` in; the five records and the new
state out. The faust agent only loads the profile, stores the state and sends the records.
Model quality (AUC, precision at 10 %, calibration) comes from a :class:`LabelSource`
(the rolling label window of :mod:`streams.monitor.sources`); without labels those fields
stay empty. The A/B guardrail's reading comes from the caller too (an :class:`ABSource`):
a sample-ratio mismatch is never a guardrail breach but its own ``stop_invalid`` demand
(:func:`srm_stop_event`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from monitors.drift import DriftPolicy, DriftResult, evaluate_drift
from monitors.guardrails import RoleState, step
from monitors.persistence import PersistenceRule, PersistenceState, persist
from monitors.policy import GuardrailPolicy
from monitors.reports import drift_report, guardrail_metrics, guardrail_report, performance_report
from monitors.retrain import RetrainPolicy, RetrainState, retrain_step
from monitors.sketches import WindowSample
from monitors.windows import ClosedWindow, WindowConfig
from schemas.control import GuardrailDemand, RollbackEvent
from schemas.monitor import DriftReport, GuardrailReport, ModelRole, PerformanceReport, Severity
from schemas.profile import ReferenceProfile
from schemas.retrain import RetrainTrigger
from scoring.experiments.guardrail import GuardrailReading, GuardrailVerdict
from scoring.experiments.srm import SrmResult


@dataclass(frozen=True)
class Quality:
    n_labels: int = 0
    auc: float | None = None
    precision_at_10: float | None = None
    calibration_error: float | None = None
    new_labels: int = 0
    """Labels that arrived since the last window (for the retrain trigger)."""


class LabelSource(Protocol):
    def quality(self, model_name: str, role: str, version: str) -> Quality: ...


class ABSource(Protocol):
    def reading(self, model_name: str, role: str, version: str) -> GuardrailReading: ...


class NoLabels:
    """The seam until the outcome ledger answers: no labels, no quality metrics."""

    def quality(self, model_name: str, role: str, version: str) -> Quality:
        return Quality()


class NoExperiment:
    """No A/B verdict (tests, or no Redis): the treatment guardrail is never judged."""

    def reading(self, model_name: str, role: str, version: str) -> GuardrailReading:
        return GuardrailReading(GuardrailVerdict.NOT_JUDGED)


@dataclass(frozen=True)
class MonitorConfig:
    window: WindowConfig
    drift: DriftPolicy
    persistence: PersistenceRule
    guardrails: GuardrailPolicy
    retrain: RetrainPolicy


@dataclass(frozen=True)
class VersionState:
    role: RoleState
    persistence: PersistenceState = field(default_factory=PersistenceState)
    retrain: RetrainState = field(default_factory=RetrainState)


@dataclass(frozen=True)
class WindowOutputs:
    drift: DriftReport
    performance: PerformanceReport
    guardrails: GuardrailReport
    rollback: RollbackEvent | None
    retrain: RetrainTrigger | None


def fits(sample: WindowSample, profile: ReferenceProfile | None) -> bool:
    """True when the sample was binned on this profile's bins."""
    if profile is None:
        return False
    layout = [(sample.numeric, profile.numeric), (sample.categorical, profile.categorical)]
    return all(set(counts) == set(prof) and all(
        len(counts[k]) == len(p.proportions) for k, p in prof.items()) for counts, prof in layout)


def judge_window(
    w: ClosedWindow, profile: ReferenceProfile | None, state: VersionState,
    last_rollback_ms: int | None, cfg: MonitorConfig, quality: Quality,
    treatment_below_control: bool | None = None,
) -> tuple[VersionState, WindowOutputs]:
    """Every record of one closed window; ``last_rollback_ms`` is the version's (cooldown);
    ``treatment_below_control`` is the A/B guardrail's value (None: not judged)."""
    s = w.sample
    if fits(s, profile):
        drift = evaluate_drift(s, profile, cfg.drift)  # type: ignore[arg-type]
    else:
        drift = DriftResult(s.n_scored, Severity.INSUFFICIENT_DATA, (), None)
    severities = {f.name: f.severity for f in drift.features} | {"verdict": drift.verdict}
    persistence, persisted = persist(state.persistence, severities, cfg.persistence)
    metrics = guardrail_metrics(
        s, drift, w.start_ms, w.end_ms,
        {"auc": quality.auc, "treatment_below_control": treatment_below_control},
        {"auc": quality.n_labels})
    role = replace(state.role, last_rollback_ms=last_rollback_ms)
    role, events = step(role, metrics, cfg.guardrails)
    performance = performance_report(s, w.start_ms, w.end_ms, w.scorer_lag_ms).model_copy(
        update={"n_labels": quality.n_labels, "auc": quality.auc,
                "precision_at_10": quality.precision_at_10,
                "calibration_error": quality.calibration_error})
    retrain_state, trigger = state.retrain, None
    if s.key.role is ModelRole.CHAMPION:
        verdict = persisted["verdict"]
        drifted = None if verdict is Severity.INSUFFICIENT_DATA else verdict is not Severity.OK
        retrain_state, decision = retrain_step(
            state.retrain, window_end_ms=w.end_ms, drifted=drifted, auc=quality.auc,
            new_labels=quality.new_labels, policy=cfg.retrain)
        if decision is not None:
            trigger = RetrainTrigger(
                trigger_id=f"{s.key.model_name}:{s.key.model_version}:{w.start_ms}",
                model_name=s.key.model_name, model_version=s.key.model_version,
                reasons=list(decision.reasons), evidence=decision.evidence,
                window_start_ms=w.start_ms, window_end_ms=w.end_ms, emitted_at=_now())
    outputs = WindowOutputs(
        drift_report(s, drift, persisted, w.start_ms, w.end_ms), performance,
        guardrail_report(role, events, metrics, cfg.guardrails),
        rollback_event(events.rollback, s.n_scored) if events.rollback else None, trigger)
    return VersionState(role, persistence, retrain_state), outputs


def rollback_event(d, n: int) -> RollbackEvent:
    """The ``models.rollback`` record of a decision; its id is the window (idempotent)."""
    return RollbackEvent(
        event_id=f"{d.model_name}:{d.role.value}:{d.model_version}:{d.window_start_ms}",
        model_name=d.model_name, role=d.role.value, version=d.model_version,
        guardrail=d.guardrail,
        evidence={"value": d.value, "threshold": d.threshold, "window_n": float(n)},
        window_start=datetime.fromtimestamp(d.window_start_ms / 1000, UTC),
        window_end=datetime.fromtimestamp(d.window_end_ms / 1000, UTC), emitted_at=_now())


def srm_stop_event(w: ClosedWindow, srm: SrmResult) -> RollbackEvent:
    """The ``stop_invalid`` demand for a challenger whose experiment has a sample-ratio
    mismatch in window ``w`` (its id is the window: idempotent)."""
    k = w.sample.key
    return RollbackEvent(
        event_id=f"{k.model_name}:srm:{k.model_version}:{w.start_ms}",
        model_name=k.model_name, role=k.role.value, version=k.model_version, guardrail="srm",
        demand=GuardrailDemand.STOP_INVALID,
        evidence={"srm_p_value": srm.p_value, "expected_share": srm.expected_share,
                  "observed_share": srm.observed_share or 0.0},
        window_start=datetime.fromtimestamp(w.start_ms / 1000, UTC),
        window_end=datetime.fromtimestamp(w.end_ms / 1000, UTC), emitted_at=_now())


def _now() -> datetime:
    return datetime.now(UTC)
