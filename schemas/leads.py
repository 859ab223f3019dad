"""Contracts of the lead topics: ``leads.incoming``, ``leads.scored``, ``leads.deadletter``.

The incoming model is built from the feature spec, so one spec file defines both what the
CRM may send and what the model is fed.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    create_model,
    model_validator,
)

from schemas.errors import RejectedEvent, RejectReason
from schemas.payload import PayloadPolicy
from schemas.spec import CategoricalFeature, FeatureSpec, MissingPolicy, NumericFeature

FLOAT32_MAX = 3.4028234663852886e38  # numpy.finfo(numpy.float32).max
"""Largest magnitude a numeric feature may have: the model reads float32, where a larger
value would become infinite (and an int of 309+ digits does not even fit a float64)."""
DEADLETTER_PAYLOAD_MAX_BYTES = 256 * 1024
"""Default of how much of a rejected event a dead letter keeps (base64 grows it by 4/3)."""
MAX_FIELD_ERRORS = 20
"""Field errors kept on a dead letter (the message names the first five)."""

UTC_MIN = datetime(1, 1, 1, tzinfo=UTC)
UTC_MAX = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
"""``occurred_at`` must have a UTC form (``9999-12-31T23:59:59-05:00`` has none); compared
as instants by pydantic-core, so no Python runs per event. A time without offset is UTC."""


def as_utc(value: datetime | None) -> datetime | None:
    """A validated ``occurred_at`` in UTC (without offset: UTC, never the host's zone)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _not_bool(value: Any) -> Any:
    """JSON ``true``/``false`` is not a number (pydantic would read it as 1/0)."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not a boolean")
    return value


class IncomingLead(BaseModel):
    """Base of every incoming lead event; the spec adds one field per feature.

    Unknown attributes are ignored so CRMs can send more than the model uses. A key sent
    twice in one object keeps its last value (as ``JSON.parse`` does).
    """

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    lead_id: str = Field(min_length=1, max_length=128, description="CRM lead identifier.")
    event_id: str | None = Field(
        None, max_length=128, description="Idempotency key of this event (CRM resends)."
    )
    occurred_at: datetime | None = Field(
        None, ge=UTC_MIN, le=UTC_MAX,
        description="When the CRM saw the event; without an offset it is UTC.")


def _numeric_field(f: NumericFeature, guarded: bool) -> tuple[Any, Any]:
    py_type: Any = int if f.dtype == "int" else float
    required = f.missing is MissingPolicy.REJECT
    low = max(f.min, -FLOAT32_MAX) if f.min is not None else -FLOAT32_MAX
    high = min(f.max, FLOAT32_MAX) if f.max is not None else FLOAT32_MAX
    info = Field(
        ... if required else None,
        ge=math.ceil(low) if py_type is int else low,
        le=math.floor(high) if py_type is int else high,
        allow_inf_nan=False if py_type is float else None,
        description=f.description or None,
        validation_alias=_aliases(f),
    )
    typ = py_type if required else py_type | None
    guarded_typ = Annotated[typ, BeforeValidator(_not_bool)] if guarded else typ
    return (_policy(f, guarded_typ), info)


def _categorical_field(f: CategoricalFeature) -> tuple[Any, Any]:
    required = f.missing is MissingPolicy.REJECT
    info = Field(
        ... if required else None,
        min_length=1 if required else None,
        max_length=f.max_length,
        description=f.description or None,
        validation_alias=_aliases(f),
    )
    return (_policy(f, str if required else str | None), info)


def _aliases(f: NumericFeature | CategoricalFeature) -> AliasChoices | None:
    """The feature's name, or else the CRM export's column name (``source``)."""
    return AliasChoices(*f.accepted_names) if len(f.accepted_names) > 1 else None


def _policy(f: NumericFeature | CategoricalFeature, py_type: Any) -> Any:
    """The spec's field policy (:meth:`~schemas.spec.NumericFeature.read`) before the type
    check, for features with ``null_values`` (others skip the Python call: JSON null or an
    absent key is missing; empty text is stripped, then missing or rejected by type)."""
    return Annotated[py_type, BeforeValidator(f.read)] if f.null_values else py_type


@lru_cache(maxsize=32)
def incoming_model(spec: FeatureSpec) -> type[IncomingLead]:
    """The pydantic model of ``leads.incoming`` events for this spec (cached per spec)."""
    model = _build(spec, guarded=False)
    _GUARDED[model] = _build(spec, guarded=True)
    return model


_GUARDED: dict[type[IncomingLead], type[IncomingLead]] = {}
"""Per incoming model, its twin that also refuses booleans for numbers. A Python validator
per field costs ~1 µs per event, so it runs only on the events whose bytes hold a JSON
``true`` or ``false`` at all."""


def _build(spec: FeatureSpec, guarded: bool) -> type[IncomingLead]:
    fields: dict[str, Any] = {}
    for f in spec.features:
        fields[f.name] = (_numeric_field(f, guarded) if isinstance(f, NumericFeature)
                          else _categorical_field(f))
    return create_model(f"IncomingLead_{spec.name}", __base__=IncomingLead, **fields)


def parse_incoming(model: type[IncomingLead], raw: bytes, max_bytes: int) -> IncomingLead:
    """Validate one raw Kafka value; raise :class:`RejectedEvent` with the reason if bad."""
    if len(raw) > max_bytes:
        raise RejectedEvent(
            RejectReason.PAYLOAD_TOO_LARGE, f"payload is {len(raw)} bytes, limit {max_bytes}"
        )
    if b"true" in raw or b"false" in raw:
        model = _GUARDED.get(model, model)
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        first = errors[0]["type"] if errors else ""
        if first == "json_invalid":
            raise RejectedEvent(RejectReason.INVALID_JSON, "value is not valid JSON") from None
        if first == "model_type":
            raise RejectedEvent(
                RejectReason.NOT_AN_OBJECT, "value must be a JSON object"
            ) from None
        problems = [
            {"loc": ".".join(str(p) for p in e["loc"]), "msg": e["msg"], "type": e["type"]}
            for e in errors[:MAX_FIELD_ERRORS]
        ]
        summary = "; ".join(f"{p['loc']}: {p['msg']}" for p in problems[:5])
        raise RejectedEvent(RejectReason.SCHEMA_VIOLATION, summary, problems) from None


DEFAULT_GRADE_NAMES = ("A", "B", "C", "D")
LEGACY_BUCKETS = ("Hot", "Warm", "Cool", "Cold")
"""The buckets grades replaced, best first: a record on ``leads.scored`` written before
grades (``"bucket": "Warm"``) validates with the grade of the same rank."""


def legacy_grade(bucket: object, names: Sequence[str] = DEFAULT_GRADE_NAMES) -> str:
    """The grade of the same rank as a legacy bucket (Hot → the best grade, Cold → the
    fourth, or the lowest when there are fewer)."""
    if bucket not in LEGACY_BUCKETS:
        raise ValueError(f"bucket {bucket!r} is not one of {', '.join(LEGACY_BUCKETS)}")
    return names[min(LEGACY_BUCKETS.index(bucket), len(names) - 1)]  # type: ignore[arg-type]


class Reason(BaseModel):
    """One reason code: a spec feature that pushed the score up (``+``) or down (``-``)."""

    model_config = ConfigDict(frozen=True)

    feature: str
    value: int | float | str | None = Field(description="The lead's own value.")
    label: str = Field(description="Readable name from the spec (``label``).")
    direction: Literal["+", "-"]
    weight: float = Field(description="Contribution to the log-odds of conversion.")


class Trend(StrEnum):
    """How a lead's score moved since its previous published score (:mod:`scoring.trend`)."""

    IMPROVING = "improving"
    STEADY = "steady"
    DECLINING = "declining"
    NEW = "new"
    """The lead had no previous published score (within the history's TTL and bound)."""


class Variant(StrEnum):
    """Which arm of an experiment served the score published on ``leads.scored``."""

    CHAMPION = "champion"
    CONTROL = "control"
    TREATMENT = "treatment"


class ScoredLead(BaseModel):
    """One record on ``leads.scored``: the score the CRM should act on."""

    model_config = ConfigDict(frozen=True)

    lead_id: str
    event_id: str | None = None
    score: float = Field(ge=0.0, le=1.0, description="Probability of conversion.")
    grade: str = Field(min_length=1, max_length=32,
                       description="Grade of the score (``LEADSTREAM_GRADES``, A-D by default).")
    reasons: list[Reason] = Field(
        default_factory=list, description="Top-k features pushing the score up (strongest "
        "first), then top-k pulling it down; empty when reasons are off or failed.")
    reasons_method: Literal["approx", "exact"] | None = Field(
        None, description="``exact`` TreeSHAP or ``approx`` (Saabas); null: no reasons.")
    model_name: str
    model_version: str
    model_alias: str = Field(description="Registry alias the version was served under.")
    variant: Variant = Variant.CHAMPION
    experiment_id: str | None = None
    occurred_at: datetime | None = None
    scored_at: datetime
    latency_ms: float = Field(ge=0, description="From broker append time to scoring.")
    source_partition: int
    source_offset: int
    trend: Trend | None = Field(
        None, description="Score change since the lead's previous published score; null "
        "when the history could not be read (Redis down) or is off: unknown, never guessed.")
    previous_score: float | None = Field(
        None, ge=0.0, le=1.0, description="The lead's previous published score the trend "
        "compares with; null when the trend is new or unknown.")

    @model_validator(mode="before")
    @classmethod
    def _legacy_bucket(cls, data: Any, info: ValidationInfo) -> Any:
        """A record from before grades: its bucket → the grade of the same rank (the
        reader's grade names in the validation context ``{"grades": names}``)."""
        if isinstance(data, dict) and "grade" not in data and "bucket" in data:
            names = (info.context or {}).get("grades", DEFAULT_GRADE_NAMES)
            rest = {k: v for k, v in data.items() if k != "bucket"}
            return {**rest, "grade": legacy_grade(data["bucket"], names)}
        return data


class FieldError(BaseModel):
    loc: str
    msg: str
    type: str


class DeadLetter(BaseModel):
    """One record on ``leads.deadletter``: a rejected event, its reason and its bytes."""

    model_config = ConfigDict(frozen=True)

    reason: RejectReason
    message: str
    errors: list[FieldError] = Field(default_factory=list)
    lead_id: str | None = Field(None, description="Best-effort lead id, if one was readable.")
    payload_b64: str = Field(description="The original value, base64-encoded, unchanged; "
                             "only its first bytes when ``payload_truncated``; empty "
                             "under the ``hash`` payload policy.")
    payload_size: int = Field(description="Size of the whole original value, in bytes.")
    payload_truncated: bool = Field(
        False, description="The value was larger than the dead-letter payload limit.")
    payload_sha256: str | None = Field(
        None, description="SHA-256 (hex) of the whole original value.")
    payload_policy: PayloadPolicy = Field(
        PayloadPolicy.ORIGINAL, description="``original``: the bytes are kept (up to the "
        "limit); ``hash``: ``payload_b64`` is empty, only size and SHA-256 are kept.")
    source_topic: str
    source_partition: int
    source_offset: int
    source_timestamp_ms: int | None = None
    rejected_at: datetime

    def payload(self) -> bytes:
        return base64.b64decode(self.payload_b64)
