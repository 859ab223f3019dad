"""What one batch (or part of one) yields: :class:`Scored`, its predictions and reasons, and
:class:`BatchResult`, the records of its transaction with its ledger and history entries
and what they count (parts are added up in input order)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from scoring.serving import ServedBatch
from streams.kafka.io import OutRecord
from streams.scorer.explain import BatchReasons, RunReasons
from streams.stores.history import HistoryRows
from streams.stores.ledger_rows import LedgerRows


@dataclass(frozen=True)
class Scored:
    """A part's predictions and reasons, computed while its state is read."""

    served: ServedBatch
    why: BatchReasons
    shadow_why: RunReasons | None


@dataclass
class BatchResult:
    """The records of one batch's transaction, its ledger and history entries, and what
    they count."""

    records: list[OutRecord] = field(default_factory=list)
    ledger: LedgerRows = field(default_factory=lambda: LedgerRows([], []))
    history: HistoryRows = field(default_factory=HistoryRows)
    last_scores: dict[str, float] = field(default_factory=dict)
    """Each scored lead's last score in this part (what a later part compares with)."""
    trend_unknown: int = 0
    scored: int = 0
    dead_letters: Counter[str] = field(default_factory=Counter)
    model_seconds: float = 0.0
    shadowed: int = 0
    shadow_error: str | None = None
    reasons_failed: Counter[str] = field(default_factory=Counter)
    """Model runs whose explainer failed (their scores went out without reasons), by role."""
    reasons_skipped: Counter[str] = field(default_factory=Counter)
    """Model runs published without reasons: they would have exceeded the budget."""
    reasons_downgraded: Counter[str] = field(default_factory=Counter)
    """Leads given approximate reasons where exact were asked (the budget), by grade."""
    unknown_attributes: Counter[str] = field(default_factory=Counter)
    """Scored events carrying an attribute the spec does not know, per sanitised name."""

    def add(self, part: BatchResult) -> None:
        """Append the result of a part of the batch (in input order)."""
        self.records += part.records
        self.ledger = self.ledger.extended(part.ledger)
        self.history = self.history.extended(part.history)
        self.last_scores.update(part.last_scores)
        self.trend_unknown += part.trend_unknown
        self.scored += part.scored
        self.dead_letters += part.dead_letters
        self.model_seconds += part.model_seconds
        self.shadowed += part.shadowed
        self.shadow_error = self.shadow_error or part.shadow_error
        self.reasons_failed += part.reasons_failed
        self.reasons_skipped += part.reasons_skipped
        self.reasons_downgraded += part.reasons_downgraded
        self.unknown_attributes += part.unknown_attributes
