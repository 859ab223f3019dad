"""What several processes must agree on: the scorers' consumer group (the agents' are named
after it), a lead's grades, which event times are trusted, what a dead letter keeps, the
ledger's lifetime, forgotten leads' hashes, and where leadstream's own alerts go."""

from __future__ import annotations

import os
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator

from monitors.event_time import SkewTolerance
from schemas.payload import PayloadPolicy
from scoring.grades import DEFAULT_GRADES, GradeScale
from streams.settings.part import SettingsPart

_SKEW = SkewTolerance()


class SharedSettings(SettingsPart):
    """Read by the scorer, the agents, the sink and the commands alike."""

    consumer_group: str = "leadstream-scorer"
    """Consumer group of the scorers; the agents' groups are named after it
    (``<consumer_group>-agents``)."""
    grades: str = DEFAULT_GRADES
    """Grade names, best first, each with the lowest score it takes (``NAME=BOUND,...``):
    bounds strictly decreasing, the last 0; a score equal to a bound gets the higher grade.
    Grades replaced the buckets (``LEADSTREAM_BUCKET_HOT|WARM|COOL`` are refused)."""
    event_time_future_s: float = Field(_SKEW.future_ms / 1000, ge=0)
    """A monitor sample whose event times are further than this ahead of its broker
    timestamp is clock-skewed: merged by its arrival, its time never moves the watermark
    (scorers apply the same default to each event)."""
    event_time_past_s: float = Field(_SKEW.past_ms / 1000, gt=0)
    """The same, this far in the past (default: the retention of ``leads.incoming``, beyond
    which no genuine backlog exists)."""
    deadletter_payload: PayloadPolicy = PayloadPolicy.ORIGINAL
    """What dead letters (``leads.deadletter`` and the agents' ``<topic>.deadletter``) keep of
    the rejected bytes: ``original`` (the bytes, up to the limit) or ``hash`` (only their
    size and SHA-256, with the reason and the field errors)."""
    ledger_ttl_days: int = Field(90, ge=1)
    """How long a ledger entry (lead -> variant, version, score, features) is kept: the
    scorer writes it, the outcome agent joins outcomes to it."""
    erased_hash_key: SecretStr | None = None
    """Key of the keyed hash (HMAC-SHA256) that names forgotten leads in Redis
    (``leadstream:erased:<hash>``, kept ``lead_retention_days`` + 1: the sink and ``lead``
    skip their records still in Kafka). Unset: a random key kept in Redis
    (``leadstream:erased-key``), shared by every process on that Redis; set it (the same
    value for the agents, the sink and ``lead``) so Redis alone does not hold it."""
    alertmanager_url: str = ""
    """Alertmanager the agents post leadstream's events to (``http://127.0.0.1:9193``), and
    whose alerts the dashboard shows; empty: off. Processes started by the stack or the demo
    get the local one's URL."""

    @field_validator("grades")
    @classmethod
    def _grade_scale(cls, text: str) -> str:
        return GradeScale.parse(text).text()

    @model_validator(mode="before")
    @classmethod
    def _no_buckets(cls, data: Any) -> Any:
        """The bucket settings are gone: say which setting replaced them."""
        old = sorted(k for k in os.environ if k.upper().startswith("LEADSTREAM_BUCKET_"))
        if old:
            raise ValueError(f"{', '.join(old)}: buckets were replaced by grades; set "
                             f"LEADSTREAM_GRADES instead (default {DEFAULT_GRADES!r}, "
                             f"best grade first, e.g. A=0.8,B=0.5,C=0.3,D=0)")
        return data

    @property
    def grade_scale(self) -> GradeScale:
        return GradeScale.parse(self.grades)
