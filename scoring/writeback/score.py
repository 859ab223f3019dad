"""What a CRM is told about one lead, and the rules every CRM format shares.

- :class:`WritebackScore`: one score as written back (score 0-1 and 1-100, grade and its
  rank, trend, reasons, model version, variant, when it was scored, where it came from on
  ``leads.scored``).
- :func:`newest_per_lead`: a batch keeps one score per lead, the newest by position on
  ``leads.scored`` (never by ``scored_at``, the scorer host's clock: :mod:`.clock`).
- :class:`CrmRequest` / :class:`CrmAnswer`: what a format asks the HTTP layer to send, and
  which leads the CRM rejected for good (with its words) or left in doubt (an answer the
  sink cannot read); :func:`json_answer` reads any bytes without raising.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from schemas.scored import Reason, ScoredLead
from scoring.grades import GradeScale
from scoring.writeback.clock import in_utc

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
    """As the scorer stamped it (in UTC when built by :meth:`of`): shown, never compared."""
    partition: int
    offset: int
    """Position on ``leads.scored``: what orders one lead's scores."""
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

    def newer_than(self, other: WritebackScore) -> bool:
        """Written after ``other`` on the same partition of ``leads.scored`` (a lead's
        partition is fixed by its key). Across partitions positions have no order: False."""
        return self.partition == other.partition and self.offset > other.offset

    @classmethod
    def of(cls, lead: ScoredLead, partition: int, offset: int,
           grades: GradeScale | None = None) -> WritebackScore:
        names = (grades or GradeScale()).names
        rank = names.index(lead.grade) if lead.grade in names else None
        return cls(lead.lead_id, lead.score, lead.grade, lead.model_name,
                   lead.model_version, str(lead.variant), in_utc(lead.scored_at), partition, offset,
                   rank, lead.trend.value if lead.trend else None, tuple(lead.reasons))


def _shown(value: int | float | str | None) -> str:
    if value is None:
        return "missing"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def newest_per_lead(scores: Iterable[WritebackScore]) -> list[WritebackScore]:
    """One score per lead, the newest, in the order the leads were first seen.

    ``scores`` come in the order the sink read them. Of one partition the higher offset
    wins, whatever the order. Two partitions holding scores of one lead (the partition count
    of ``leads.scored`` changed, or a producer with another partitioner) have no common
    order: the score read last wins (a lead's new partition is read after its old one's
    backlog when the sink keeps up; docs/how-to/crm-writeback.md says how to change the
    partition count)."""
    newest: dict[str, WritebackScore] = {}
    for s in scores:
        kept = newest.get(s.lead_id)
        if kept is None or s.partition != kept.partition or s.newer_than(kept):
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
    """How a CRM answered one 2xx request: the leads it rejected for good (its words), the
    leads its answer says nothing readable about (the sink's words: the CRM may or may not
    hold their score); every other lead sent was taken. A lead is in one of them at most."""

    rejected: dict[str, str] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)

    @classmethod
    def all_rejected(cls, scores: Sequence[WritebackScore], reason: str) -> CrmAnswer:
        return cls({s.lead_id: reason for s in scores})

    @classmethod
    def all_unreadable(cls, scores: Sequence[WritebackScore], why: str) -> CrmAnswer:
        return cls(unreadable={s.lead_id: why for s in scores})

    @classmethod
    def of_rejections(cls, scores: Sequence[WritebackScore],
                      entries: Iterable[tuple[Sequence[str] | None, str]], why: str
                      ) -> CrmAnswer:
        """The answer of a CRM that lists what it rejected: each entry names its leads (None:
        none that can be read) and its reason (a later entry's wins). The leads sent that an
        entry names are rejected; if any entry names none, every other lead sent is in doubt
        (``why``)."""
        sent = {s.lead_id for s in scores}
        rejected: dict[str, str] = {}
        nameless = False
        for ids, reason in entries:
            if ids is None:
                nameless = True
                continue
            rejected |= {lead_id: reason for lead_id in ids if lead_id in sent}
        if not nameless:
            return cls(rejected)
        return cls(rejected, {lead: why for lead in sent if lead not in rejected})


NOT_JSON = object()
""":func:`json_answer` of a body that is not JSON."""


def json_answer(body: bytes) -> object:
    """The JSON document of a CRM's answer, ``None`` for an empty body, :data:`NOT_JSON` for
    anything else (bad UTF-8, bad syntax, nesting too deep for the parser)."""
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return NOT_JSON


def lead_id_of(value: object) -> str | None:
    """A lead id as a CRM echoes it: a string, or an integer (``123`` for lead ``"123"``);
    anything else (null, true, an object) names no lead."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def words(value: object, default: str = "rejected") -> str:
    """A CRM's reason as text, at most 500 characters."""
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value[:500]
    try:
        return json.dumps(value)[:500]
    except (ValueError, RecursionError):
        return type(value).__name__


def iso(dt: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as CRM APIs expect (a naive time is UTC)."""
    return in_utc(dt).isoformat().replace("+00:00", "Z")
