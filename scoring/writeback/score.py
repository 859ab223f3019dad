"""What a CRM is told about one lead, and the rules every CRM format shares.

- :class:`WritebackScore`: one score as written back (score 0-1 and 1-100, grade and its
  rank, trend, reasons, model version, variant, when it was scored, where it came from on
  ``leads.scored``).
- :func:`newest_per_lead`: a batch keeps one score per lead, the newest; an older score
  never replaces a newer one (:meth:`WritebackScore.newer_than`).
- :class:`CrmRequest` / :class:`CrmAnswer`: what a format asks the HTTP layer to send, and
  which leads the CRM accepted or rejected for good (with its words).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from schemas.scored import Reason, ScoredLead
from scoring.grades import GradeScale

REASONS_TEXT_CHARS = 2000
"""How much of a lead's reasons, as text, a CRM text field gets."""


@dataclass(frozen=True)
class WritebackScore:
    lead_id: str
    score: float
    grade: str
    """The grade a rep sees (``LEADSTREAM_GRADES``: A-D by default)."""
    model_name: str
    model_version: str
    variant: str
    scored_at: datetime
    partition: int
    offset: int
    """Position on ``leads.scored``: the tie-break between two scores of the same instant."""
    grade_rank: int | None = None
    """0 for the best grade of the sink's scale (``LEADSTREAM_GRADES``); None when the
    record's grade is not in it."""
    trend: str | None = None
    """``improving`` / ``steady`` / ``declining`` / ``new``; None: unknown."""
    reasons: tuple[Reason, ...] = ()

    @property
    def reasons_text(self) -> str:
        """The reasons as a rep reads them: ``+ Time on website: 1640; - Total visits: 2``."""
        text = "; ".join(f"{r.direction} {r.label}: {_shown(r.value)}" for r in self.reasons)
        return text[:REASONS_TEXT_CHARS]

    @property
    def score_100(self) -> int:
        """The score on the 1-100 scale CRMs show (Dynamics 365), rounded."""
        return min(100, max(1, round(self.score * 100)))

    def order(self) -> tuple[datetime, int]:
        return self.scored_at, self.offset

    def newer_than(self, other: WritebackScore) -> bool:
        return self.order() > other.order()

    @classmethod
    def of(cls, lead: ScoredLead, partition: int, offset: int,
           grades: GradeScale | None = None) -> WritebackScore:
        names = (grades or GradeScale()).names
        rank = names.index(lead.grade) if lead.grade in names else None
        return cls(lead.lead_id, lead.score, lead.grade, lead.model_name,
                   lead.model_version, str(lead.variant), lead.scored_at, partition, offset,
                   rank, lead.trend.value if lead.trend else None, tuple(lead.reasons))


def _shown(value: int | float | str | None) -> str:
    if value is None:
        return "missing"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def newest_per_lead(scores: Iterable[WritebackScore]) -> list[WritebackScore]:
    """One score per lead, the newest, in the order the leads were first seen."""
    newest: dict[str, WritebackScore] = {}
    for s in scores:
        kept = newest.get(s.lead_id)
        if kept is None or s.newer_than(kept):
            newest[s.lead_id] = s
    return list(newest.values())


@dataclass(frozen=True)
class CrmRequest:
    method: str
    path: str
    """Appended to the sink's base URL."""
    body: bytes
    content_type: str = "application/json"


@dataclass(frozen=True)
class CrmAnswer:
    """How a CRM answered one request: leads it rejected for good, with its reason."""

    rejected: dict[str, str] = field(default_factory=dict)

    @classmethod
    def all_rejected(cls, scores: Sequence[WritebackScore], reason: str) -> CrmAnswer:
        return cls({s.lead_id: reason for s in scores})


def iso(dt: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as CRM APIs expect."""
    return dt.isoformat().replace("+00:00", "Z")
