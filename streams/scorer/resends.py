"""CRM resends: an event id already scored from another source position is a duplicate.

:func:`drop_resends` claims the event ids of a batch's accepted leads
(:class:`~streams.stores.dedup.Deduplicator`, one Redis round trip), splits off those first
scored elsewhere as ``duplicate_event`` dead letters, and keeps the rest, with their
encoded rows, in order. The same position asked again (a batch retried after an abort)
is not a resend.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from schemas.errors import RejectedEvent, RejectReason
from schemas.leads import DeadLetter
from scoring.intake import Accepted, Intake, RawEvent
from streams.stores.dedup import Claim, Deduplicator


def claims_of(accepted: Accepted) -> list[Claim]:
    """The claims of the accepted leads that carry an event id, in order."""
    leads, events = accepted.leads, accepted.events
    return [Claim(lead.event_id, where(events[i]), lead.lead_id)  # type: ignore[arg-type]
            for i, lead in enumerate(leads) if lead.event_id]


def drop_resends(accepted: Accepted, now: datetime, claims: list[Claim], dedup: Deduplicator,
                 intake: Intake, dupes: dict[int, str] | None = None
                 ) -> tuple[Accepted, list[DeadLetter]]:
    """The accepted leads minus resends, and the resends' dead letters; ``claims``
    receives the claims this batch now holds. ``dupes``: the answer to
    :func:`claims_of`'s claims when already read (else one call to ``dedup``)."""
    leads, events = accepted.leads, accepted.events
    idx = [i for i, lead in enumerate(leads) if lead.event_id]
    asked = claims_of(accepted)
    dupes = dedup.duplicates(asked) if dupes is None else dupes
    claims += [c for j, c in enumerate(asked) if j not in dupes]
    if not dupes:
        return accepted, []
    taken = {idx[j]: first for j, first in dupes.items()}
    letters = [intake.dead_letter(events[i], RejectedEvent(
        RejectReason.DUPLICATE_EVENT,
        f"event_id {leads[i].event_id!r} was already scored from {first}"), now)
        for i, first in taken.items()]
    keep = np.array([i for i in range(len(leads)) if i not in taken], dtype=np.int64)
    return _subset(accepted, keep), letters


def where(event: RawEvent) -> str:
    """An event's source position, as claims record it: ``topic:partition:offset``."""
    return f"{event.topic}:{event.partition}:{event.offset}"


def _subset(accepted: Accepted, keep: np.ndarray) -> Accepted:
    b = accepted.batch
    encoded = type(b)(b.matrix[keep], {k: v[keep] for k, v in b.numeric.items()},
                      {k: v[keep] for k, v in b.categories.items()})
    rows = keep.tolist()
    return Accepted([accepted.events[i] for i in rows], [accepted.leads[i] for i in rows],
                    encoded)
