"""Contracts of the lead topics: ``leads.incoming``, ``leads.scored``, ``leads.deadletter``.

The incoming model is built from the feature spec, so one spec file defines both what the
CRM may send and what the model is fed.
"""

from __future__ import annotations

import base64
from datetime import datetime
from enum import StrEnum
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
from schemas.spec import CategoricalFeature, FeatureSpec, MissingPolicy, NumericFeature


class IncomingLead(BaseModel):
    """Base of every incoming lead event; the spec adds one field per feature.

    Unknown attributes are ignored so CRMs can send more than the model uses.
    """

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    lead_id: str = Field(min_length=1, max_length=128, description="CRM lead identifier.")
    event_id: str | None = Field(
        None, max_length=128, description="Idempotency key of this event (CRM resends)."
    )
    occurred_at: datetime | None = Field(None, description="When the CRM saw the event.")


def _numeric_field(f: NumericFeature) -> tuple[Any, Any]:
    py_type: Any = int if f.dtype == "int" else float
    required = f.missing is MissingPolicy.REJECT
    info = Field(
        ... if required else None,
        ge=f.min,
        le=f.max,
        allow_inf_nan=False if py_type is float else None,
        description=f.description or None,
        validation_alias=_aliases(f),
    )
    return (_policy(f, py_type if required else py_type | None), info)


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
    fields: dict[str, Any] = {}
    for f in spec.features:
        fields[f.name] = (
            _numeric_field(f) if isinstance(f, NumericFeature) else _categorical_field(f)
        )
    return create_model(f"IncomingLead_{spec.name}", __base__=IncomingLead, **fields)


def parse_incoming(model: type[IncomingLead], raw: bytes, max_bytes: int) -> IncomingLead:
    """Validate one raw Kafka value; raise :class:`RejectedEvent` with the reason if bad."""
    if len(raw) > max_bytes:
        raise RejectedEvent(
            RejectReason.PAYLOAD_TOO_LARGE, f"payload is {len(raw)} bytes, limit {max_bytes}"
        )
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
            for e in errors
        ]
        summary = "; ".join(f"{p['loc']}: {p['msg']}" for p in problems[:5])
        raise RejectedEvent(RejectReason.SCHEMA_VIOLATION, summary, problems) from None


class Bucket(StrEnum):
    HOT = "Hot"
    WARM = "Warm"
    COOL = "Cool"
    COLD = "Cold"


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
    bucket: Bucket
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
    payload_b64: str = Field(description="The original value, base64-encoded, unchanged.")
    payload_size: int
    source_topic: str
    source_partition: int
    source_offset: int
    source_timestamp_ms: int | None = None
    rejected_at: datetime

    @staticmethod
    def encode_payload(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    def payload(self) -> bytes:
        return base64.b64decode(self.payload_b64)
