"""The ledger row's compact encoding: a positional JSON array, the names stored once.

A row (the first line of ``leadstream:lead:<lead_id>``, :mod:`streams.stores.lead_state`)
is::

    [2, "<layout>", "<model_version>", <variant>, <experiment_id|null>, <score>,
     <scored_at: µs since the epoch>, <event_id|null>, [<feature values>], <trailing...>]

``variant`` is its index in :class:`~schemas.scored.Variant`; the lead id is the key's.
The feature *names* (and the model name) are the row's **layout**, written once per batch
as ``leadstream:ledger-layout:<layout>`` (JSON ``{"model_name", "features"}``, its id a
hash of that text, the ledger TTL refreshed with every batch: it lives as long as the
rows that name it). About 130 bytes instead of the ~550 of a :class:`LedgerEntry`'s JSON.

**Optional trailing fields**: :data:`TRAILING` names the fields after the features, in
order; a writer appends them only when one is set, a reader maps what is there onto the
names and ignores any beyond (a newer writer's row stays readable). Adding an optional
field of ``LedgerEntry`` = append its name to :data:`TRAILING` and its value in
:func:`row`'s ``trailing``.

Readers validate through the contract (:func:`entry` builds a :class:`LedgerEntry`); a row
written before this encoding (a JSON object, ``{``...) is read as it is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from schemas.errors import LeadstreamError
from schemas.ledger import LedgerEntry
from schemas.scored import Variant
from streams.json_text import quote, text

FORMAT = 2
LAYOUT_PREFIX = "leadstream:ledger-layout:"
VARIANTS = list(Variant)
VARIANT_CODE = {v: str(i) for i, v in enumerate(VARIANTS)}
TRAILING: tuple[str, ...] = ("challenger_version", "challenger_score")
"""Optional :class:`LedgerEntry` fields after the features, in row order (append only)."""


class LayoutMissing(LeadstreamError):
    """A row names a layout that Redis does not hold (deleted by hand: rows and layouts
    expire together)."""


def layout(model_name: str, names: Sequence[str]) -> tuple[str, str]:
    """The id and text of the layout of rows of ``model_name`` with these features."""
    body = json.dumps({"model_name": model_name, "features": list(names)},
                      separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()[:12], body


def row(layout_id: str, model_version: str, variant: Variant, experiment: str | None,
        score: str, scored_at_us: int, event_id: str | None, features: str,
        trailing: Sequence[str] = ()) -> str:
    """One row from JSON texts (``score``: a JSON number; ``features``: the values' JSON,
    comma-separated, in layout order; ``trailing``: JSON texts of :data:`TRAILING`)."""
    tail = "".join("," + t for t in trailing)
    return (f'[{FORMAT},"{layout_id}",{quote(model_version)},{VARIANT_CODE[variant]},'
            f'{text(experiment)},{score},{scored_at_us},{text(event_id)},[{features}]{tail}]')


def micros(dt: datetime) -> int:
    """``dt`` as whole microseconds since the epoch (exact: no float)."""
    delta = dt.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def layout_of(raw: bytes | str) -> str | None:
    """The layout id a stored value names (None: a row of the old JSON format)."""
    s = raw.decode() if isinstance(raw, bytes) else raw
    if s.startswith("{"):
        return None
    return s[s.index('"') + 1:s.index('"', s.index('"') + 1)]


def entry(lead_id: str, raw: bytes | str, layouts: Mapping[str, str]) -> LedgerEntry:
    """The :class:`LedgerEntry` a stored value holds (either format), validated."""
    if (raw[:1] if isinstance(raw, str) else raw[:1].decode()) == "{":
        return LedgerEntry.model_validate_json(raw)
    values = json.loads(raw)
    body = layouts.get(values[1])
    if body is None:
        raise LayoutMissing(f"ledger layout {values[1]} is not in Redis")
    names = json.loads(body)
    us = values[6]
    fields = {
        "lead_id": lead_id, "model_name": names["model_name"], "model_version": values[2],
        "variant": VARIANTS[values[3]], "experiment_id": values[4], "score": values[5],
        "scored_at": datetime.fromtimestamp(us // 1_000_000, UTC).replace(
            microsecond=us % 1_000_000),
        "event_id": values[7],
        "features": dict(zip(names["features"], values[8], strict=True)),
        **dict(zip(TRAILING, values[9:], strict=False)),
    }
    return LedgerEntry.model_validate(fields)
