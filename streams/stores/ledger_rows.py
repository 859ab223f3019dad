"""A batch's ledger values, built straight from its columns: no model object per lead.

:class:`LedgerRows` holds, per scored lead, its key and the JSON of its
:class:`~schemas.ledger.LedgerEntry` (the contract every reader validates against), plus
the leads each experiment arm was assigned. The values are written by
:meth:`streams.stores.ledger.Ledger.write` in one Redis round trip per batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from schemas.ledger import FeatureValue, LedgerEntry
from schemas.scored import Variant
from scoring.routing import BatchRoute
from streams.json_text import column, quote, text


@dataclass(frozen=True)
class LedgerRows:
    """Lead ids and their ledger JSON, in batch order; arms' assigned leads by experiment."""

    lead_ids: list[str]
    values: list[str]
    assigned: dict[tuple[str, Variant], list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.lead_ids)

    def __iter__(self) -> Iterator:
        """The entries, parsed back through the contract (for tests and tools)."""
        return (LedgerEntry.model_validate_json(v) for v in self.values)

    def extended(self, other: LedgerRows) -> LedgerRows:
        """These rows followed by ``other``'s (the parts of one batch, in order)."""
        if not other.lead_ids:
            return self
        if not self.lead_ids:
            return other
        assigned = {k: list(v) for k, v in self.assigned.items()}
        for k, v in other.assigned.items():
            assigned.setdefault(k, []).extend(v)
        return LedgerRows(self.lead_ids + other.lead_ids, self.values + other.values, assigned)

    @classmethod
    def of_entries(cls, entries: Sequence) -> LedgerRows:
        """Rows of already built :class:`~schemas.ledger.LedgerEntry` objects."""
        assigned: dict[tuple[str, Variant], list[str]] = {}
        for e in entries:
            if e.experiment_id:
                assigned.setdefault((e.experiment_id, e.variant), []).append(e.lead_id)
        return cls([e.lead_id for e in entries], [e.model_dump_json() for e in entries],
                   assigned)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ledger_rows(route: BatchRoute, model_name: str, lead_ids: Sequence[str],
                event_ids: Sequence[str | None], served_scores: Sequence[float],
                columns: Mapping[str, Sequence[FeatureValue]],
                scored_at: datetime, shadow_scores: Sequence[float] | None = None) -> LedgerRows:
    """One row per lead of a routed batch: its variant, served version and score, and the
    raw feature values (``columns``: feature name → one value per lead); with
    ``shadow_scores`` (shadow mode: the challenger's score of every lead), also the
    challenger's version and score."""
    experiment = route.experiment_id
    head = f'"model_name":{quote(model_name)},'
    tail = f',"experiment_id":{text(experiment)},"scored_at":{quote(_iso(scored_at))}'
    named = [[f"{quote(name)}:{t}" for t in column(col)] for name, col in columns.items()]
    features = ([",".join(parts) for parts in zip(*named, strict=True)] if named
                else [""] * len(lead_ids))
    scores = column([float(x) for x in served_scores])
    shadow = [""] * len(lead_ids)
    if shadow_scores is not None:
        version = f',"challenger_version":{text(route.challenger_version)},"challenger_score":'
        shadow = [version + t for t in column([float(x) for x in shadow_scores])]
    out = []
    assigned: dict[tuple[str, Variant], list[str]] = {}
    for i, lead_id in enumerate(lead_ids):
        variant = route.variants[i]
        out.append(f'{{"lead_id":{quote(lead_id)},{head}'
                   f'"model_version":{quote(route.served_version(i))},'
                   f'"variant":"{variant.value}"{tail},"score":{scores[i]},'
                   f'"features":{{{features[i]}}},"event_id":{text(event_ids[i])}{shadow[i]}}}')
        if experiment:
            assigned.setdefault((experiment, variant), []).append(lead_id)
    return LedgerRows(list(lead_ids), out, assigned)
