"""The vocabulary of a diagnosis: severities, next steps, findings and their thresholds.

A :class:`Finding` is one check of the case study's "the scores stopped working"
investigation with a severity and the numbers behind it; ``priority`` orders findings of
the same severity from the most specific cause (a stopped scorer, a renamed CRM field) to
the symptoms it would explain (feature drift, then prediction drift).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Level(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "critical": 2}[self.value]


class Action(StrEnum):
    """The next step a finding recommends (stable strings, part of ``--json``)."""

    START_SCORER = "start the scorer"
    START_AGENTS = "start the agents"
    CHECK_CRM_FEED = "check the CRM feed"
    FIX_CRM_MAPPING = "fix the CRM mapping"
    CHECK_CRM_ENDPOINT = "check the CRM endpoint"
    ADD_SCORERS = "add scorers"
    RETRAIN = "retrain"
    ROLL_BACK = "roll back"
    NOTHING = "nothing to do"
    NOTHING_FOUND = "nothing found in what could be read"
    """No warning, but some sources were not read (ACLs, a service down)."""


PRIORITY = ("scorer", "agents", "freshness", "unknown_attributes", "missing_values",
            "dead_letters", "sink_failures", "unseen_categories", "feature_drift",
            "prediction_drift", "importance_shift", "calibration", "consumer_lag",
            "guardrails", "alerts", "conversion_by_grade", "unreadable")
"""Finding kinds, most specific cause first (the tie-break within one severity)."""


@dataclass(frozen=True)
class Finding:
    kind: str
    level: Level
    summary: str
    evidence: dict[str, object] = field(default_factory=dict)
    action: Action | None = None

    @property
    def order(self) -> tuple[int, int]:
        return (-self.level.rank, PRIORITY.index(self.kind))

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "severity": self.level.value, "summary": self.summary,
                "evidence": self.evidence,
                "action": self.action.value if self.action else None}


@dataclass(frozen=True)
class Thresholds:
    """Where a check turns into a warning or becomes critical."""

    stale_incoming_s: float = 3600.0
    """No new lead event for this long: the CRM feed may have stopped."""
    stale_outcomes_s: float = 14 * 86400.0
    missing_jump: float = 0.2
    """Missing share above the reference's by this much (absolute) is a finding..."""
    missing_critical: float = 0.5
    """... and critical once at least this share of the window is missing."""
    unknown_warn: float = 0.05
    unknown_critical: float = 0.5
    """Share of scored leads carrying an attribute the spec does not know."""
    unseen_warn: float = 0.05
    unseen_critical: float = 0.25
    psi_warn: float = 0.1
    psi_critical: float = 0.25
    calibration_warn: float = 0.1
    """Count-weighted gap between mean score and conversion rate (ECE)."""
    min_labels: int = 100
    """Fewer labelled leads: no calibration verdict."""
    deadletter_warn: float = 0.05
    deadletter_critical: float = 0.2
    lag_warn: int = 10_000
    """Records the scorers are behind on their input."""
    importance_warn: float = 0.15
    """Total variation distance between the importance shares now and at training (or
    half of it with a new top feature) that is a warning."""
    min_explained: int = 200
    """Fewer leads with reasons: no importance verdict."""
