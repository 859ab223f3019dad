"""Control-plane contracts: ``models.control``, its requests, audit and ``models.rollback``.

``models.control`` is compacted and keyed by model name; its last record per model is the
serving configuration every scorer applies between two batches. The controller is its
only writer: the CLI sends :class:`ControlRequest` records to ``models.control.requests``,
guardrails send :class:`RollbackEvent` records to ``models.rollback``, and every change the
controller makes is recorded as an :class:`AuditEntry` (who, why, when, from → to).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.names import ModelName, ModelVersion
from schemas.policy import ProgressionPolicy, check_steps
from schemas.topics import DAY_MS, TopicSpec, register


class ServingMode(StrEnum):
    """How a challenger takes part: not at all, scored in the shadow, or serving a share."""

    OFF = "off"
    SHADOW = "shadow"
    CANARY = "canary"
    AB = "ab"


class ServingConfig(BaseModel):
    """The serving configuration of one model name (the value on ``models.control``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_name: ModelName
    champion_version: ModelVersion
    challenger_version: ModelVersion | None = None
    mode: ServingMode = ServingMode.OFF
    treatment_share: float = Field(
        0.0, ge=0.0, le=1.0, description="Share of leads served by the challenger (0..1)."
    )
    experiment_id: str | None = Field(None, max_length=128)
    salt: str | None = Field(None, max_length=128, description="Hash salt of the split.")
    canary_steps: tuple[float, ...] = Field(
        (), description="Progressive treatment shares (0..1], ascending, for canary mode."
    )
    previous_champion_version: ModelVersion | None = Field(
        None, description="The champion before the last promotion, for rollback."
    )
    sequence: int = Field(ge=0, description="Increases by one with every change.")
    reason: str = ""
    actor: str = Field(min_length=1, description="Who made the change (user, 'guardrail').")
    updated_at: datetime

    @model_validator(mode="after")
    def _consistent(self) -> ServingConfig:
        needs_challenger = self.mode is not ServingMode.OFF
        if needs_challenger and not self.challenger_version:
            raise ValueError(f"mode {self.mode.value} needs a challenger_version")
        if self.mode in (ServingMode.CANARY, ServingMode.AB):
            if not (self.experiment_id and self.salt):
                raise ValueError(f"mode {self.mode.value} needs experiment_id and salt")
        elif self.treatment_share != 0.0:
            raise ValueError(f"mode {self.mode.value} serves no treatment: share must be 0")
        check_steps(self.canary_steps)
        return self

    @property
    def serves_challenger(self) -> bool:
        """True when some leads are served (not only shadow-scored) by the challenger."""
        return self.mode in (ServingMode.CANARY, ServingMode.AB) and self.treatment_share > 0


class ControlAction(StrEnum):
    """What a :class:`ControlRequest` asks the controller to do."""

    START_EXPERIMENT = "start_experiment"
    SET_SHARE = "set_share"
    NEXT_STEP = "next_step"
    STOP_EXPERIMENT = "stop_experiment"
    PROMOTE_CHALLENGER = "promote_challenger"
    PROMOTE_VERSION = "promote_version"
    ROLLBACK = "rollback"


class ControlRequest(BaseModel):
    """A change asked of the controller (``models.control.requests``, key = model name)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str = Field(min_length=1, max_length=128, description="Idempotency key.")
    model_name: ModelName
    action: ControlAction
    mode: ServingMode | None = None
    challenger_version: ModelVersion | None = None
    version: ModelVersion | None = Field(None,
                                         description="Target of promote_version / rollback.")
    treatment_share: float | None = Field(None, ge=0.0, le=1.0)
    canary_steps: tuple[float, ...] = ()
    experiment_id: str | None = Field(None, max_length=128)
    policy: ProgressionPolicy | None = Field(None, description=(
        "start_experiment of a canary or a shadow only: the progression policy the "
        "controller applies on every closed window (a canary's steps are its steps; a "
        "shadow ends on its labels: [shadow] section)."))
    reason: str = ""
    actor: str = Field(min_length=1, max_length=128)
    requested_at: datetime

    @model_validator(mode="after")
    def _complete(self) -> ControlRequest:
        a = self.action
        if a is ControlAction.START_EXPERIMENT and not (self.mode and self.challenger_version):
            raise ValueError("start_experiment needs mode and challenger_version")
        if a is ControlAction.START_EXPERIMENT and self.mode is ServingMode.OFF:
            raise ValueError("start_experiment needs mode shadow, canary or ab")
        if a is ControlAction.SET_SHARE and self.treatment_share is None:
            raise ValueError("set_share needs treatment_share")
        if a is ControlAction.PROMOTE_VERSION and not self.version:
            raise ValueError("promote_version needs version")
        if self.policy is not None and (a is not ControlAction.START_EXPERIMENT or self.mode
                                        not in (ServingMode.CANARY, ServingMode.SHADOW)):
            raise ValueError("a progression policy goes with start_experiment of a canary "
                             "or a shadow")
        if self.policy is not None and self.canary_steps not in ((), self.policy.steps):
            raise ValueError("canary_steps differ from the policy's steps")
        check_steps(self.canary_steps)
        return self


class AuditEntry(BaseModel):
    """One applied change (``models.audit``), printed by ``leadstream models history``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_name: str
    sequence: int = Field(ge=0)
    action: str = Field(description="A ControlAction value, 'rollback' from a guardrail, or "
                                    "auto_advance / auto_promote / auto_abort / auto_stop from "
                                    "a canary's or a shadow's progression policy.")
    actor: str
    reason: str = ""
    at: datetime
    request_id: str | None = None
    before: ServingConfig | None = Field(None, description="Configuration before the change.")
    after: ServingConfig
    evidence: dict[str, float | int | str | None] = Field(
        default_factory=dict, description="What an automatic decision saw: window, counts, "
        "p-values, the always-valid interval, guardrail levels (counts and tests only).")


class ModelRole(StrEnum):
    CHAMPION = "champion"
    CHALLENGER = "challenger"


class GuardrailDemand(StrEnum):
    """What a :class:`RollbackEvent` asks: roll the breaching version back, or stop an
    experiment whose split is invalid (sample-ratio mismatch: nobody is rolled back)."""

    ROLLBACK = "rollback"
    STOP_INVALID = "stop_invalid"


class RollbackEvent(BaseModel):
    """A guardrail's demand to roll a model back (``models.rollback``, key = model name),
    or to stop an invalid experiment (``demand`` = ``stop_invalid``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str = Field(min_length=1, max_length=128, description="Idempotency key.")
    model_name: ModelName
    role: ModelRole
    version: ModelVersion = Field(description="The version that breached.")
    guardrail: str = Field(min_length=1, description="Name of the breached guardrail.")
    evidence: dict[str, float] = Field(
        default_factory=dict, description="Observed values and thresholds behind the verdict."
    )
    window_start: datetime
    window_end: datetime
    emitted_at: datetime
    demand: GuardrailDemand = Field(GuardrailDemand.ROLLBACK, description=(
        "rollback, or stop_invalid: the canary/A/B of this challenger has a sample-ratio "
        "mismatch; stop it and alert, mark nobody rolled back"))

    @model_validator(mode="after")
    def _window(self) -> RollbackEvent:
        """Compared as instants, a time without offset being UTC (mixed, they raised
        ``TypeError``; near year 1 or 9999 an offset can overflow: refused, not raised)."""
        start, end = (t if t.tzinfo else t.replace(tzinfo=UTC)
                      for t in (self.window_start, self.window_end))
        try:
            before = end < start
        except OverflowError:
            raise ValueError("window_start or window_end has no UTC form") from None
        if before:
            raise ValueError("window_end is before window_start")
        return self


MODELS_CONTROL = register(TopicSpec(
    "models.control", "model_name", 1, ServingConfig,
    {"cleanup.policy": "compact", "min.compaction.lag.ms": "0"},
    "Serving configuration per model (compacted; last record wins; controller only).",
))
MODELS_CONTROL_REQUESTS = register(TopicSpec(
    "models.control.requests", "model_name", 1, ControlRequest,
    {"retention.ms": str(30 * DAY_MS)},
    "Changes asked of the controller by the CLI and automation.",
))
MODELS_AUDIT = register(TopicSpec(
    "models.audit", "model_name", 1, AuditEntry,
    {"retention.ms": "-1"},
    "Every serving change applied by the controller: who, why, when, from and to.",
))
MODELS_ROLLBACK = register(TopicSpec(
    "models.rollback", "model_name", 1, RollbackEvent,
    {"retention.ms": str(90 * DAY_MS)},
    "Rollback demands from critical guardrails, applied by the controller.",
))
