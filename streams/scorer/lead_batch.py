"""A batch's scored part as one object carried through the stages after intake: its
events (source positions), its decoded leads (:func:`scoring.decode.lead_type` rows), their
encoded features, and the columns every output reads, each made once (lead ids, event ids,
record keys and openings, waits, event times) rather than once per output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from monitors.event_time import DEFAULT_SKEW, SkewTolerance, trusted_times
from scoring.features import EncodedBatch
from scoring.intake import RawEvent
from streams.json_text import quote, text


@dataclass(frozen=True)
class BatchInput:
    """The scored part of a batch: its events, leads and features, in one order."""

    events: Sequence[RawEvent]
    leads: Sequence[Any]
    """:func:`scoring.decode.lead_type` rows."""
    encoded: EncodedBatch
    now_s: float
    skew: SkewTolerance = DEFAULT_SKEW
    """Event times beyond these tolerances around ``now_s`` are clock-skewed."""

    @cached_property
    def lead_ids(self) -> list[str]:
        """The leads' ids, in batch order (read once for every output)."""
        return [lead.lead_id for lead in self.leads]

    @cached_property
    def event_ids(self) -> list[str | None]:
        return [lead.event_id for lead in self.leads]

    @cached_property
    def keys(self) -> list[bytes]:
        """The leads' ids as record keys (every output topic is keyed by lead id)."""
        return [lead_id.encode() for lead_id in self.lead_ids]

    @cached_property
    def openings(self) -> list[str]:
        """Per lead, the JSON members every lead's record opens with: ``{"lead_id":...,
        "event_id":...``."""
        return [f'{{"lead_id":{quote(lead_id)},"event_id":{text(e)}'
                for lead_id, e in zip(self.lead_ids, self.event_ids, strict=True)]

    @cached_property
    def wait_ms(self) -> np.ndarray:
        """Per lead, broker append (or create) time → start of scoring."""
        ts = np.array([e.timestamp_ms or 0 for e in self.events], dtype=np.float64)
        return np.where(ts > 0, np.maximum(0.0, self.now_s * 1000.0 - ts), 0.0)

    @cached_property
    def event_times_ms(self) -> np.ndarray:
        """Per lead, its event time; NaN when clock-skewed (kept off the watermark)."""
        now_ms = self.now_s * 1000.0
        times = np.array([e.timestamp_ms or now_ms for e in self.events], dtype=np.float64)
        return trusted_times(times, now_ms, self.skew)
