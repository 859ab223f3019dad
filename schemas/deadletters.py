"""Dead letters of the agents' inputs: one record per input record an agent could not use.

Each agent input topic ``T`` (``leads.outcomes``, ``models.control.requests``,
``models.rollback``, ``monitor.samples``, ``privacy.requests``) has a dead-letter topic
``T.deadletter``. A record that cannot be decoded, fails validation, or raises while being
applied is counted, published there as a :class:`RecordDeadLetter` (where it came from,
why, and its bytes — bounded, or only their size and hash: :mod:`schemas.payload`) and
skipped: the agent goes on with the next record. Lead events keep their own
``leads.deadletter`` (:class:`schemas.leads.DeadLetter`), read by CRM integrators.
"""

from __future__ import annotations

import base64
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from schemas.control import MODELS_CONTROL_REQUESTS, MODELS_ROLLBACK
from schemas.experiments import LEADS_OUTCOMES
from schemas.monitor import MONITOR_SAMPLES
from schemas.payload import PayloadPolicy
from schemas.privacy import PRIVACY_REQUESTS
from schemas.topics import DAY_MS, TopicSpec, register

MAX_KEPT_BYTES = 64 * 1024
"""Original bytes kept in a dead letter; beyond this a prefix, the size and the sha256."""
MAX_MESSAGE_CHARS = 2000


class RecordRejectReason(StrEnum):
    """Why an agent skipped a record (stable codes, part of the contract)."""

    INVALID_JSON = "invalid_json"
    SCHEMA_VIOLATION = "schema_violation"
    APPLY_FAILED = "apply_failed"
    NEVER_SCORED = "never_scored"
    """An outcome whose lead was not scored within the parking TTL (or the parking bound)."""
    SIGNATURE_REFUSED = "signature_refused"
    """A control request without a valid signature of an allowed key (unsigned, unknown key,
    bad signature, too old, replayed; the message says which)."""


class RecordDeadLetter(BaseModel):
    """One record on an agent input's dead-letter topic."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: RecordRejectReason
    message: str = Field(max_length=MAX_MESSAGE_CHARS)
    error_class: str | None = Field(None, description="Exception class, for apply_failed.")
    agent: str = Field(description="The agent that skipped the record.")
    source_topic: str
    source_partition: int | None = None
    source_offset: int | None = None
    source_timestamp_ms: int | None = None
    key_b64: str | None = Field(None, description="The record's key (first 1 KB), base64.")
    key_size: int | None = Field(None, ge=0, description="Size of the whole key, in bytes.")
    key_sha256: str | None = Field(None, description="sha256 of the whole key (hex).")
    payload_b64: str = Field(description="The original value (up to the kept limit), base64; "
                             "empty under the ``hash`` payload policy.")
    payload_size: int = Field(ge=0)
    payload_sha256: str = Field(description="sha256 of the whole original value (hex).")
    payload_truncated: bool = False
    payload_policy: PayloadPolicy = Field(
        PayloadPolicy.ORIGINAL, description="``hash``: no bytes kept (``payload_b64`` empty).")
    rejected_at: datetime

    def payload(self) -> bytes:
        """The kept bytes (the whole value unless ``payload_truncated``)."""
        return base64.b64decode(self.payload_b64)


def short(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters (with an ellipsis when cut)."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def deadletter_topic(source: TopicSpec) -> TopicSpec:
    """The dead-letter topic of an agent input, registered with the other topics."""
    return register(TopicSpec(
        f"{source.name}.deadletter", source.key, 1, RecordDeadLetter,
        {"retention.ms": str(365 * DAY_MS)},
        f"Records of {source.name} an agent could not use: reason, source, bytes (bounded).",
    ))


DEADLETTER_TOPICS: dict[str, TopicSpec] = {
    spec.name: deadletter_topic(spec)
    for spec in (LEADS_OUTCOMES, MODELS_CONTROL_REQUESTS, MODELS_ROLLBACK, MONITOR_SAMPLES,
                 PRIVACY_REQUESTS)
}
"""Source topic name → its dead-letter topic spec."""
