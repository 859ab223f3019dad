"""What the controller remembers per model, and what one transition produces.

:class:`ControlState` is the current :class:`ServingConfig` plus the history a rollback
needs: former champions (oldest first), versions that were rolled back (never a rollback
target again), the time of each version's last rollback (the cooldown is per model
version; ``last_rollback_at``, the latest of any version, is what state persisted before
that kept, and still guards a version with no entry of its own) and the ids of recently
applied requests and rollback events (idempotency under redelivery), and the
:class:`~scoring.experiments.progression.Progress` of a canary or a shadow run under a
progression policy (dropped by any change that ends that experiment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from schemas.control import AuditEntry, ServingConfig, ServingMode
from scoring.experiments.progression import Progress

MAX_REMEMBERED_IDS = 1000
MAX_ROLLBACK_TIMES = 100


class ControlState(BaseModel):
    """The controller's state for one model name (stored as JSON in a changelog table)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_name: str
    config: ServingConfig | None = None
    former_champions: tuple[str, ...] = ()
    rolled_back: frozenset[str] = frozenset()
    last_rollback_at: datetime | None = None
    rollback_at: dict[str, datetime] = {}
    applied_ids: tuple[str, ...] = ()
    last_audit: AuditEntry | None = None
    progress: Progress | None = None

    def seen(self, request_id: str) -> bool:
        return request_id in self.applied_ids

    def remember(self, request_id: str) -> tuple[str, ...]:
        return (*self.applied_ids, request_id)[-MAX_REMEMBERED_IDS:]

    def last_rollback_of(self, version: str) -> datetime | None:
        """When ``version`` was last rolled back: its own entry, or, in state persisted
        before the cooldown was per version (no entries at all), the model's last rollback."""
        if self.rollback_at:
            return self.rollback_at.get(version)
        return self.last_rollback_at

    def rolled_back_now(self, version: str, now: datetime) -> dict[str, object]:
        """The history fields of a rollback of ``version`` at ``now`` (newest 100 kept)."""
        times = {v: t for v, t in self.rollback_at.items() if v != version} | {version: now}
        return {"last_rollback_at": now,
                "rollback_at": dict(list(times.items())[-MAX_ROLLBACK_TIMES:])}

    def rollback_target(self, current: str) -> str | None:
        """The newest former champion that is neither current nor itself rolled back."""
        return next((v for v in reversed(self.former_champions)
                     if v != current and v not in self.rolled_back), None)

    def champions_before(self, version: str) -> tuple[str, ...]:
        """Former champions older than ``version``'s last reign (a rollback pops the stack)."""
        if version not in self.former_champions:
            return self.former_champions
        cut = len(self.former_champions) - 1 - self.former_champions[::-1].index(version)
        return self.former_champions[:cut]


class RefusalKind(StrEnum):
    """Why the controller changed nothing; each kind is published as an alert."""

    INVALID_REQUEST = "invalid_request"
    NO_CHAMPION = "no_champion"
    COOLDOWN = "cooldown"
    NOTHING_TO_ROLL_BACK = "nothing_to_roll_back"
    ROLLED_BACK_TARGET = "rolled_back_target"
    STALE_EVENT = "stale_event"
    UNKNOWN_VERSION = "unknown_version"


@dataclass(frozen=True)
class Refusal:
    kind: RefusalKind
    message: str


@dataclass(frozen=True)
class Transition:
    """The result of one request or rollback event.

    Exactly one of: ``audit`` (a change was applied; ``audit.after`` is the new config),
    ``refusal`` (nothing changed, say why), or ``duplicate`` (already applied: re-publish
    ``state.last_audit`` if it belongs to this id, so a crash between the state update and
    the publication loses nothing).
    """

    state: ControlState
    audit: AuditEntry | None = None
    refusal: Refusal | None = None
    duplicate: bool = False

    @property
    def config(self) -> ServingConfig | None:
        return self.audit.after if self.audit else None


def alias_targets(config: ServingConfig) -> dict[str, str | None]:
    """The MLflow aliases that mirror ``config`` (None: the alias must not exist)."""
    return {"champion": config.champion_version, "challenger": config.challenger_version}


def refuse(state: ControlState, request_id: str, kind: RefusalKind, message: str) -> Transition:
    """Nothing changes but the id is remembered: a redelivery is refused only once."""
    remembered = state.model_copy(update={"applied_ids": state.remember(request_id)})
    return Transition(remembered, refusal=Refusal(kind, message))


def duplicate(state: ControlState) -> Transition:
    return Transition(state, duplicate=True)


def _runs(config: ServingConfig, progress: Progress) -> bool:
    """True while ``config`` still runs the experiment ``progress`` follows."""
    if progress.shadow_of is not None:
        return config.mode is ServingMode.SHADOW and config.challenger_version == \
            progress.shadow_of
    return config.mode is ServingMode.CANARY and config.experiment_id == progress.experiment_id


def commit(state: ControlState, request_id: str, action: str, after: ServingConfig,
           **history: object) -> Transition:
    """Record ``after`` as the new config with its audit entry; ``history`` updates fields.
    A canary's (or a shadow's) progress survives only while its experiment runs."""
    progress = history.pop("progress", state.progress)
    if progress is not None and not _runs(after, progress):
        progress = None
    audit = AuditEntry(model_name=after.model_name, sequence=after.sequence, action=action,
                       actor=after.actor, reason=after.reason, at=after.updated_at,
                       request_id=request_id, before=state.config, after=after)
    new_state = state.model_copy(update={"config": after, "last_audit": audit,
                                         "applied_ids": state.remember(request_id),
                                         "progress": progress, **history})
    return Transition(new_state, audit=audit)
