"""Personal-data settings: retention of lead topics, dead-letter payloads, erasure."""

from __future__ import annotations

from pydantic import Field, SecretStr

from schemas.payload import PayloadPolicy
from streams.settings.part import SettingsPart


class PrivacySettings(SettingsPart):
    """What leadstream keeps of a lead, for how long, and erasing it."""

    # --- personal data (issue 10, item 5) -----------------------------------------------
    # What leadstream keeps of a lead, and for how long: Kafka retention of the topics that
    # hold lead data (applied on creation and every time the topics are ensured again), what
    # a dead letter keeps of rejected bytes, and `leadstream forget` (erasure requests,
    # handled by the agents, audited on models.audit). README "Personal data" says it all.
    deadletter_payload: PayloadPolicy = PayloadPolicy.ORIGINAL
    """What dead letters (``leads.deadletter`` and the agents' ``<topic>.deadletter``) keep of
    the rejected bytes: ``original`` (the bytes, up to the limit) or ``hash`` (only their
    size and SHA-256, with the reason and the field errors)."""
    lead_retention_days: int = Field(7, ge=1)
    """Kafka retention of ``leads.incoming`` and ``leads.scored``, in days."""
    shadow_retention_days: int = Field(30, ge=1)
    """Kafka retention of ``scores.shadow`` (champion vs challenger score per lead)."""
    outcomes_retention_days: int = Field(365, ge=1)
    """Kafka retention of ``leads.outcomes`` (conversions per lead from the CRM)."""
    sink_deadletter_retention_days: int = Field(30, ge=1)
    """Kafka retention of ``sink.deadletter`` (scores the CRM refused)."""
    topic_privacy_requests: str = "privacy.requests"
    """Erasure requests (``leadstream forget``) for the agents; kept one day."""
    topic_privacy_requests_deadletter: str = "privacy.requests.deadletter"
    """Erasure requests the agents could not use (always kept as size and hash only)."""
    dedup_lead_max_events: int = Field(1000, ge=1)
    """Event-id claims indexed per lead (so ``forget`` finds them without a SCAN); beyond
    this many within ``dedup_ttl_s`` the lead's oldest claims are dropped with their index
    entry (a resend of such an old event would be scored again)."""
    forget_wait_s: float = Field(30.0, gt=0)
    """How long ``leadstream forget`` waits for the agents' erasure entry."""
    erasure_replay_days: int = Field(7, ge=2)
    """How long the agents remember an applied erasure request's id (a copy of that signed
    request is then refused as a replay); also the age limit of a signed erasure request, so
    a request read days after ``forget`` (the agents were down) is still applied. At least
    the one day ``privacy.requests`` keeps its records, plus one."""
    erased_hash_key: SecretStr | None = None
    """Key of the keyed hash (HMAC-SHA256) that names forgotten leads in Redis
    (``leadstream:erased:<hash>``, kept ``lead_retention_days`` + 1: the sink and ``lead``
    skip their records still in Kafka). Unset: a random key kept in Redis
    (``leadstream:erased-key``), shared by every process on that Redis; set it (the same
    value for the agents, the sink and ``lead``) so Redis alone does not hold it."""
    erasure_rewrite_persistence: bool = True
    """After each erasure, rewrite Redis's persistence files (BGREWRITEAOF when the
    append-only file is on, BGSAVE when snapshots are configured) so no file still holds the
    lead; a refusal or timeout raises an alert on ``models.alerts``."""
    erasure_rewrite_wait_s: float = Field(120.0, gt=0)
    """How long the erasure agent waits for Redis's rewrite of its persistence files."""
