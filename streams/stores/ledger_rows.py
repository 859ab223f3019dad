"""A batch's ledger values, built straight from its columns: no model object per lead.

:class:`LedgerRows` holds, per scored lead, its key and its row in the compact encoding of
:mod:`streams.stores.ledger_codec` (read back through :class:`~schemas.ledger.LedgerEntry`,
the contract every reader validates against), the layouts the rows name, and the leads
each experiment arm was assigned. The values are written by
:meth:`streams.stores.ledger.Ledger.write` in one Redis round trip per batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from schemas.ledger import FeatureValue, LedgerEntry
from schemas.scored import Variant
from scoring.routing import BatchRoute
from streams.json_text import column, text, value
from streams.stores import ledger_codec as codec


@dataclass(frozen=True)
class LedgerRows:
    """Lead ids and their ledger JSON, in batch order; arms' assigned leads by experiment."""

    lead_ids: list[str]
    values: list[str]
    assigned: dict[tuple[str, Variant], list[str]] = field(default_factory=dict)
    layouts: dict[str, str] = field(default_factory=dict)
    """The layouts the rows name (id → text), written with them."""

    def __len__(self) -> int:
        return len(self.lead_ids)

    def __iter__(self) -> Iterator:
        """The entries, parsed back through the contract (for tests and tools)."""
        return (codec.entry(i, v, self.layouts)
                for i, v in zip(self.lead_ids, self.values, strict=True))

    def extended(self, other: LedgerRows) -> LedgerRows:
        """These rows followed by ``other``'s (the parts of one batch, in order)."""
        if not other.lead_ids:
            return self
        if not self.lead_ids:
            return other
        assigned = {k: list(v) for k, v in self.assigned.items()}
        for k, v in other.assigned.items():
            assigned.setdefault(k, []).extend(v)
        return LedgerRows(self.lead_ids + other.lead_ids, self.values + other.values, assigned,
                          {**self.layouts, **other.layouts})

    @classmethod
    def of_entries(cls, entries: Sequence) -> LedgerRows:
        """Rows of already built :class:`~schemas.ledger.LedgerEntry` objects."""
        assigned: dict[tuple[str, Variant], list[str]] = {}
        layouts: dict[str, str] = {}
        values = []
        for e in entries:
            if e.experiment_id:
                assigned.setdefault((e.experiment_id, e.variant), []).append(e.lead_id)
            layout_id, layouts[layout_id] = codec.layout(e.model_name, list(e.features))
            values.append(codec.row(
                layout_id, e.model_version, e.variant, e.experiment_id, value(e.score),
                codec.micros(e.scored_at), e.event_id,
                ",".join(value(v) for v in e.features.values()), _trailing(e)))
        return cls([e.lead_id for e in entries], values, assigned, layouts)


def _trailing(entry: LedgerEntry) -> list[str]:
    """The JSON texts of the entry's optional trailing fields, up to the last one set."""
    tail = [getattr(entry, name) for name in codec.TRAILING]
    while tail and tail[-1] is None:
        tail.pop()
    return [value(v) for v in tail]


def ledger_rows(route: BatchRoute, model_name: str, lead_ids: Sequence[str],
                event_ids: Sequence[str | None], served_scores: Sequence[float],
                columns: Mapping[str, Sequence[FeatureValue]],
                scored_at: datetime, shadow_scores: Sequence[float] | None = None) -> LedgerRows:
    """One row per lead of a routed batch: its variant, served version and score, and the
    raw feature values (``columns``: feature name → one value per lead); with
    ``shadow_scores`` (shadow mode: the challenger's score of every lead), also the
    challenger's version and score (trailing fields), in the compact encoding of
    :mod:`streams.stores.ledger_codec` (one layout for the batch)."""
    experiment = route.experiment_id
    layout_id, body = codec.layout(model_name, list(columns))
    texts = [column(col) for col in columns.values()]
    features = ([",".join(parts) for parts in zip(*texts, strict=True)] if texts
                else [""] * len(lead_ids))
    scores = column([float(x) for x in served_scores])
    at = codec.micros(scored_at)
    shadow: list[tuple[str, ...]] = [()] * len(lead_ids)
    if shadow_scores is not None:
        version = text(route.challenger_version)
        shadow = [(version, t) for t in column([float(x) for x in shadow_scores])]
    out = []
    assigned: dict[tuple[str, Variant], list[str]] = {}
    for i, lead_id in enumerate(lead_ids):
        variant = route.variants[i]
        out.append(codec.row(layout_id, route.served_version(i), variant, experiment,
                             scores[i], at, event_ids[i], features[i], shadow[i]))
        if experiment:
            assigned.setdefault((experiment, variant), []).append(lead_id)
    return LedgerRows(list(lead_ids), out, assigned, {layout_id: body})
