"""When to ask for a new model: sustained drift, degraded AUC, enough new labels, schedule.

Judged on the champion's closed windows, in event time. Pure: the caller keeps
:class:`RetrainState` (a faust table) and publishes the trigger on ``models.retrain``.
A trigger resets the drift streak and the label count; within ``cooldown_ms`` of the last
trigger no new one is emitted (the streaks go on counting, so a lasting cause fires as
soon as the cooldown ends).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from schemas.retrain import RetrainReason


@dataclass(frozen=True)
class RetrainPolicy:
    drift_windows: int = 3
    auc_floor: float = 0.70
    new_labels: int = 5000
    """0 disables the label trigger."""
    every_ms: int = 0
    """0 disables the schedule."""
    cooldown_ms: int = 3_600_000


@dataclass(frozen=True)
class RetrainState:
    drift_streak: int = 0
    labels_since: int = 0
    last_trigger_ms: int | None = None
    first_window_ms: int | None = None


@dataclass(frozen=True)
class RetrainDecision:
    reasons: tuple[RetrainReason, ...]
    evidence: dict[str, float]


def retrain_step(
    state: RetrainState, *, window_end_ms: int, drifted: bool | None, auc: float | None,
    new_labels: int, policy: RetrainPolicy,
) -> tuple[RetrainState, RetrainDecision | None]:
    """One closed window of the champion. ``drifted`` is None when drift was not judged
    (insufficient data): the streak neither grows nor breaks."""
    streak = state.drift_streak if drifted is None else (state.drift_streak + 1 if drifted else 0)
    labels = state.labels_since + max(new_labels, 0)
    first = state.first_window_ms if state.first_window_ms is not None else window_end_ms
    state = replace(state, drift_streak=streak, labels_since=labels, first_window_ms=first)
    reasons: list[RetrainReason] = []
    evidence: dict[str, float] = {}
    if streak >= policy.drift_windows:
        reasons.append(RetrainReason.DRIFT)
        evidence["drift_windows"] = float(streak)
    if auc is not None and auc < policy.auc_floor:
        reasons.append(RetrainReason.AUC)
        evidence |= {"auc": auc, "auc_floor": policy.auc_floor}
    if policy.new_labels and labels >= policy.new_labels:
        reasons.append(RetrainReason.LABELS)
        evidence["new_labels"] = float(labels)
    since = state.last_trigger_ms if state.last_trigger_ms is not None else first
    if policy.every_ms and window_end_ms - since >= policy.every_ms:
        reasons.append(RetrainReason.SCHEDULE)
        evidence["since_ms"] = float(window_end_ms - since)
    cooling = (state.last_trigger_ms is not None
               and window_end_ms - state.last_trigger_ms < policy.cooldown_ms)
    if not reasons or cooling:
        return state, None
    fired = RetrainState(0, 0, window_end_ms, first)
    return fired, RetrainDecision(tuple(reasons), evidence)
