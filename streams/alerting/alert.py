"""One alert as Alertmanager's API v2 takes it (``POST /api/v2/alerts``).

Alertmanager identifies an alert by its labels: posting the same labels again updates it
(``endsAt`` moves), posting them with an ``endsAt`` in the past resolves it. Every alert of
leadstream carries ``alertname``, ``model``, ``version``, ``severity`` (info, warning,
critical) and ``kind``; values are never lead data.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

NO_VERSION = "none"
"""``version`` of an event that concerns no model version (a control refusal, an erasure)."""


class AlertSeverity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Alert:
    name: str
    model: str
    version: str
    severity: AlertSeverity
    kind: str
    starts_at: datetime
    ends_at: datetime
    extra: dict[str, str] = field(default_factory=dict)
    """More labels (role, guardrail, reason); part of the alert's identity."""
    summary: str = ""
    description: str = ""

    @property
    def labels(self) -> dict[str, str]:
        return {**self.extra, "alertname": self.name, "model": self.model,
                "version": self.version or NO_VERSION, "severity": self.severity.value,
                "kind": self.kind}

    @property
    def identity(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(self.labels.items()))

    def until(self, ends_at: datetime) -> Alert:
        return replace(self, ends_at=ends_at)

    def payload(self) -> dict:
        """The JSON object of ``POST /api/v2/alerts``."""
        annotations = {k: v for k, v in (("summary", self.summary),
                                         ("description", self.description)) if v}
        return {"labels": self.labels, "annotations": annotations,
                "startsAt": _iso(self.starts_at), "endsAt": _iso(self.ends_at)}


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def seconds(s: float) -> timedelta:
    return timedelta(seconds=s)
