"""What ``diagnose`` knows about a model at one moment: a typed, read-only snapshot.

The shell gathers it (monitor windows, dead letters, consumer groups, alerts, the newest
record per input) and :mod:`monitors.diagnosis` turns it into ranked findings. A value the
shell could not read (a refusal, a topic that does not exist yet) is ``None``: unknown, and
never mistaken for zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FeatureEvidence:
    """One feature in the newest closed window, against the reference profile."""

    name: str
    kind: str
    """'numeric' or 'categorical'."""
    psi: float
    severity: str
    """The drift verdict after persistence: insufficient_data, ok, warn or critical."""
    missing_share: float
    reference_missing_share: float | None = None
    unseen_share: float | None = None


@dataclass(frozen=True)
class ProcessEvidence:
    """One consumer group: how many run (-1: unknown) and how far behind it is."""

    role: str
    members: int
    lag_records: int | None = None


@dataclass(frozen=True)
class Evidence:
    """Everything ``diagnose`` weighs; times in epoch milliseconds."""

    model: str
    now_ms: int
    window_end_ms: int | None = None
    """End of the newest closed window of the champion (None: no window yet)."""
    n_scored: int = 0
    n_rejected: int = 0
    n_failed: int = 0
    guardrail_state: str | None = None
    breached: tuple[str, ...] = ()
    features: tuple[FeatureEvidence, ...] = ()
    unknown_attributes: dict[str, int] = field(default_factory=dict)
    score_psi: float | None = None
    n_labels: int = 0
    auc: float | None = None
    calibration_error: float | None = None
    """Expected calibration error of the newest window (None: too few labels there)."""
    calibration_deciles: tuple[tuple[int, float, float], ...] = ()
    """The version's labelled leads by score decile: (leads, mean score, conversion rate)."""
    newest_input_ms: dict[str, int | None] = field(default_factory=dict)
    """Per input topic, the timestamp of its newest record (None: empty or unreadable)."""
    deadletter_reasons: dict[str, int] | None = None
    """Reasons of the recent records on ``leads.deadletter`` (None: unreadable)."""
    processes: tuple[ProcessEvidence, ...] = ()
    sink_failures: dict[str, int] | None = None
    """Reasons (and CRM status) of the recent records on ``sink.deadletter``."""
    alerts: dict[str, int] = field(default_factory=dict)
    """Kinds of the recent ``models.alerts`` records for this model."""
    conversion_by_grade: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per grade, (converted, labelled) over the version's labelled leads."""
    importance_reference: dict[str, float] | None = None
    """Mean |contribution| per feature at training (the reference profile's; None: a model
    registered without it)."""
    importance_now: dict[str, float] | None = None
    """Mean |contribution| per feature from the recent reasons of the version's scored
    leads (None: not read); over ``n_explained`` leads."""
    n_explained: int = 0
    unreadable: tuple[str, ...] = ()
    """Sources that could not be read, with why (shown as info findings)."""

    def process(self, role: str) -> ProcessEvidence | None:
        return next((p for p in self.processes if p.role == role), None)
