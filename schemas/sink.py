"""The CRM write-back sink's dead letters: scores the CRM refused for good.

A score lands on ``sink.deadletter`` when the CRM answered with a permanent error (a 4xx
other than 429, narrowed down to the one lead by splitting the batch), with an answer the
sink cannot read, or when a record on ``leads.scored`` cannot be read or carries a time no
scorer could have stamped. The CRM's answer is kept (status and the start of its body)
so an integrator can see why, without the lead's attributes.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from schemas.topics import DAY_MS, TopicSpec, register

RESPONSE_CHARS = 2000
"""How much of the CRM's answer a dead letter keeps."""


class SinkRejectReason(StrEnum):
    CRM_REJECTED = "crm_rejected"
    """The CRM refused the score for good (4xx other than 429, or a per-record error)."""
    INVALID_RECORD = "invalid_record"
    """The record on ``leads.scored`` is not a valid ScoredLead."""
    FUTURE_SCORED_AT = "future_scored_at"
    """Its ``scored_at`` lies beyond the clock-skew tolerance ahead of the sink's clock: no
    scorer stamped it (a forged record or a broken clock)."""
    PAST_SCORED_AT = "past_scored_at"
    """Its ``scored_at`` is before 2000-01-01 UTC: a placeholder (``0001-01-01``,
    ``1970-01-01``) or a reset clock, never a real score."""
    CRM_ANSWER_UNREADABLE = "crm_answer_unreadable"
    """The CRM answered 2xx, but the sink cannot read from its answer whether it took this
    score (the answer is kept): the CRM may or may not hold it."""


class SinkDeadLetter(BaseModel):
    model_config = ConfigDict(frozen=True)

    reason: SinkRejectReason
    lead_id: str | None
    crm_format: str
    status_code: int | None = Field(None, description="HTTP status of the CRM's answer.")
    response: str = Field("", max_length=RESPONSE_CHARS,
                          description="The start of the CRM's answer, or why the record is bad.")
    score: float | None = None
    model_version: str | None = None
    scored_at: datetime | None = None
    source_partition: int
    source_offset: int
    failed_at: datetime


SINK_DEADLETTER = register(TopicSpec(
    "sink.deadletter", "lead_id", 3, SinkDeadLetter,
    {"retention.ms": str(30 * DAY_MS)},
    "Scores the CRM refused for good, with its answer (written by `leadstream sink`).",
))
