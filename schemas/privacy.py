"""Contracts of personal-data erasure: ``privacy.requests`` and the erasure audit entry.

``leadstream forget LEAD_ID`` publishes an :class:`ErasureRequest` on ``privacy.requests``
(the operator may write it; the agents read it). The erasure agent removes the lead from
every Redis structure and writes an :class:`ErasureEntry` on ``models.audit`` (the agents
are its only writer): who asked, when, how many entries each structure lost — never the
data. The lead id itself is personal data, so the entry holds only its SHA-256
(:func:`lead_digest`): whoever knows the id can check it was erased, the audit trail alone
does not name the person. (A digest of a guessable id is a pseudonym, not anonymity.)
The request does hold the lead id, so its topic keeps records one day only.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.topics import DAY_MS, TopicSpec, register

ERASURE_KEY = b"privacy"
"""Kafka key of erasure entries on ``models.audit`` (model changes are keyed by model), and
of erasure alerts on ``models.alerts`` (their ``model_name``)."""
ERASURE_SOURCE = "erasure"
"""``source`` of the alerts about erasure requests on ``models.alerts``."""


def lead_digest(lead_id: str) -> str:
    """SHA-256 (hex) of a lead id's UTF-8 bytes: how the audit trail names a lead."""
    return hashlib.sha256(lead_id.encode()).hexdigest()


class ErasureRequest(BaseModel):
    """One request to erase a lead (``privacy.requests``, key = request id); the lead id is
    stripped as on ``leads.incoming``, so it names the same ledger key."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    request_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    lead_id: str = Field(min_length=1, max_length=128, description="The CRM lead id.")
    actor: str = Field(min_length=1, max_length=128,
                       description="Who asked (the verified signer, once requests are signed).")
    requested_at: datetime


class ErasureEntry(BaseModel):
    """What the agents erased (``models.audit``, key ``privacy``): counts, never data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["erasure"] = "erasure"
    request_id: str
    actor: str
    lead_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    requested_at: datetime
    at: datetime = Field(description="When the agents erased the lead.")
    removed: dict[str, int] = Field(
        description="Structure → keys, hash fields or set members removed.")
    persistence: list[str] | None = Field(
        None, description="Redis persistence files rewritten after the erasure (`aof`, "
                          "`rdb`); null: not rewritten (switched off, or an alert on "
                          "models.alerts says why).")

    @property
    def total(self) -> int:
        return sum(self.removed.values())


PRIVACY_REQUESTS = register(TopicSpec(
    "privacy.requests", "request_id", 1, ErasureRequest, {"retention.ms": str(DAY_MS)},
    "Erasure requests of `leadstream forget` (hold the lead id: kept one day).",
))
