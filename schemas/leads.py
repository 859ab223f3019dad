"""Contracts of the lead topics a CRM writes and its rejects: ``leads.incoming`` and
``leads.deadletter`` (``leads.scored`` is :mod:`schemas.scored`).

The incoming model is built from the feature spec, so one spec file defines both what the
CRM may send and what the model is fed.
"""

from __future__ import annotations

import base64
import math
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
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

    Unknown attributes are accepted so CRMs can send more than the model uses; they are kept
    aside (``__pydantic_extra__``, where intake counts their names) and are never
    attributes of the lead: reading one raises ``AttributeError`` as if it were ignored.
    A key sent twice in one object keeps its last value (as ``JSON.parse`` does).
    """

    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)

    lead_id: str = Field(min_length=1, max_length=128, description="CRM lead identifier.")
    event_id: str | None = Field(
        None, max_length=128, description="Idempotency key of this event (CRM resends)."
    )
    occurred_at: datetime | None = Field(
        None, ge=UTC_MIN, le=UTC_MAX,
        description="When the CRM saw the event; without an offset it is UTC.")

    def __getattr__(self, name: str) -> Any:
        """Only declared fields are attributes: an unknown key of the event is not."""
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


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
    key_size: int | None = Field(
        None, description="Size of the rejected record's whole key, in bytes (None: no key); "
        "this record's own key is its first 1 KB.")
    key_sha256: str | None = Field(None, description="SHA-256 (hex) of the whole key.")
    rejected_at: datetime

    def payload(self) -> bytes:
        return base64.b64decode(self.payload_b64)
