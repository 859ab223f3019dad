"""The scorer's side of the score history: previous scores before a batch is scored, the
batch's entries written once its transaction committed, and what happens when Redis fails.

Policy, as for de-duplication and the ledger: scoring never stops or waits for Redis
(calls fail fast after ``ledger_timeout_s``), and a trend is never guessed:

- the history cannot be read (or Redis failed less than ``retry_s`` ago: it is not
  tried again before): the batch's leads are published with ``trend`` and
  ``previous_score`` null (unknown), counted in ``leadstream_scorer_trend_unknown``;
  a lead seen earlier in the same batch still compares with that score;
- the batch's entries cannot be written: counted in ``leadstream_scorer_history_missed``,
  and the leads are remembered (in this process, at most :data:`GAP_LEADS`): their next
  trend would compare with an older score, so it is published null, and its entry closes
  the gap. A gap left by a process that died since is not known to the next one.

Outages are logged when they start and end, never per batch; no lead attribute is logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import redis

from scoring.trend import chain_previous, trends
from streams.scorer.lead_batch import BatchInput
from streams.scorer.scored_json import Trends
from streams.stores.history import History, HistoryRows
from streams.stores.ledger_rows import LedgerRows

if TYPE_CHECKING:
    from streams.scorer.state_read import Prefetched

log = logging.getLogger(__name__)

GAP_LEADS = 100_000
"""Most leads remembered as having a gap in their history (the oldest are forgotten)."""


class TrendSource:
    def __init__(self, history: History | None,
                 on_missed: Callable[[int], None] = lambda n: None, retry_s: float = 1.0,
                 clock: Callable[[], float] = time.monotonic):
        self._history = history
        self._on_missed = on_missed
        self._gaps: dict[str, None] = {}
        self._down = False
        self._retry_s, self._clock = retry_s, clock
        self._next_try = 0.0
        """While Redis is down it is tried again only this often (a hung Redis would cost
        every batch two timeouts otherwise)."""

    def _skipping(self) -> bool:
        return self._down and self._clock() < self._next_try

    @property
    def enabled(self) -> bool:
        return self._history is not None

    def stored(self, asks: Sequence[tuple[str, int, int]]
               ) -> tuple[list[float | None], list[bool]]:
        """Per ``(lead_id, partition, offset)``: its previous published score (``None``:
        none) and whether that is unknown (Redis failed, a gap, or the history is off)."""
        query = self.query(asks)
        if query is None:
            return [None] * len(asks), [True] * len(asks)
        try:
            found: list | Exception = self._history.previous(query)  # type: ignore[union-attr]
        except redis.RedisError as exc:
            found = exc
        return self.answer(asks, query, found)

    def query(self, asks: Sequence[tuple[str, int, int]]) -> list[tuple[str, int, int]] | None:
        """What to ask the history for ``asks``: each lead once, at its first event; None
        when nothing is asked (history off, or Redis down moments ago)."""
        if self._history is None or self._skipping():
            return None
        firsts = list(dict.fromkeys(lead for lead, _, _ in asks))
        where = {lead: (p, o) for lead, p, o in reversed(asks)}  # each lead's first event
        return [(lead, *where[lead]) for lead in firsts]

    def stage_read(self, pipe: redis.client.Pipeline, query: list[tuple[str, int, int]]
                   ) -> None:
        """Queue ``query`` on ``pipe`` (one Redis call with other reads; :meth:`answer`)."""
        self._history.stage_previous(pipe, query)  # type: ignore[union-attr]

    def answer(self, asks: Sequence[tuple[str, int, int]],
               query: list[tuple[str, int, int]] | None, found: object
               ) -> tuple[list[float | None], list[bool]]:
        """:meth:`stored`'s answer from the reply to ``query`` (raw script reply, decoded
        list, or the exception the call raised)."""
        if query is None:
            return [None] * len(asks), [True] * len(asks)
        if isinstance(found, Exception):
            self._went_down("read", found)
            return [None] * len(asks), [True] * len(asks)
        self._came_back()
        scores = (History.decode_previous(found) if found and isinstance(found[0], bytes)
                  else found)
        by_lead = dict(zip([lead for lead, _, _ in query], scores, strict=True))
        lost = {lead for lead, score in by_lead.items() if score is not None and score != score}
        return ([None if lead in lost else by_lead[lead] for lead, _, _ in asks],
                [lead in self._gaps or lead in lost for lead, _, _ in asks])

    def record(self, rows: HistoryRows) -> None:
        """Write a batch's entries (a round trip of their own); on failure remember its
        leads as having a gap."""
        if self.writable(rows):
            self.recorded(rows, self.send(rows))

    def send(self, rows: HistoryRows) -> Exception | None:
        """Write entries :meth:`writable` accepted before their batch's commit (one round
        trip); the Redis error, if any, for :meth:`recorded`. Touches no state of this
        object, so another thread may call it (the bookkeeping's writer)."""
        try:
            self._history.record(rows)  # type: ignore[union-attr]
        except redis.RedisError as exc:
            return exc
        return None

    def take_back(self, rows: HistoryRows) -> None:
        """An attempt whose entries were written did not commit: remove them (best effort;
        the attempt processed again rewrites its positions in any case)."""
        if self._history is None or not rows or self._skipping():
            return
        try:
            self._history.remove(rows)
        except redis.RedisError as exc:
            log.warning("score history: cannot take back %d entries of an aborted batch (%s)",
                        len(rows), exc)

    def writable(self, rows: HistoryRows) -> bool:
        """Whether a committed batch's entries are to be written: False when not (history
        off, no rows, or Redis down moments ago: then the leads are remembered as having a
        gap at once). Called on the loop's thread (it may change this object's state)."""
        if self._history is None or not rows:
            return False
        if self._skipping():
            self.recorded(rows, redis.ConnectionError("skipped: Redis was down moments ago"))
            return False
        return True

    def stage_committed(self, pipe: redis.client.Pipeline, rows: HistoryRows,
                        ledger: LedgerRows | None = None) -> None:
        """Queue entries :meth:`writable` accepted on ``pipe`` (with the batch's ``ledger``
        rows); touches no state of this object, so another thread may call it (the
        bookkeeping's writer)."""
        self._history.stage(pipe, rows, ledger)  # type: ignore[union-attr]

    def recorded(self, rows: HistoryRows, error: Exception | None) -> None:
        """The outcome of a staged write: on failure its leads have a gap."""
        if error is not None:
            self._went_down("write", error)
            self._on_missed(len(rows))
            for lead in rows.lead_ids:
                self._gaps.pop(lead, None)
                self._gaps[lead] = None
            while len(self._gaps) > GAP_LEADS:
                del self._gaps[next(iter(self._gaps))]
            return
        self._came_back()
        for lead in rows.lead_ids:
            self._gaps.pop(lead, None)

    @property
    def client(self) -> redis.Redis | None:
        return None if self._history is None else self._history.client

    @property
    def scripts(self) -> tuple:
        """The scripts ``stage_read`` and ``stage`` may queue."""
        return () if self._history is None else self._history.scripts

    def _went_down(self, what: str, exc: Exception) -> None:
        if not self._skipping():
            self._next_try = self._clock() + self._retry_s
        if not self._down:
            self._down = True
            log.warning("score history: cannot %s Redis (%s): trends are published as null "
                        "until it is back", what, exc)

    def _came_back(self) -> None:
        if self._down:
            self._down = False
            log.warning("score history: Redis is back (%d leads with a gap in their history "
                        "get a null trend on their next score)", len(self._gaps))

    def close(self) -> None:
        if self._history is not None:
            self._history.close()



def batch_trends(source: TrendSource | Prefetched, seen: dict[str, float], batch: BatchInput,
                 scores: np.ndarray, delta: float,
                 lap: Callable[[str], None] = lambda stage: None) -> tuple[Trends, int]:
    """Each scored lead's trend against its previous published score (earlier in this
    batch: ``seen`` from its parts already done, or this part; else the history), and how
    many are unknown (published null). ``lap`` times the history read ("redis")."""
    lead_ids = batch.lead_ids
    asks = [(lead, ev.partition, ev.offset)
            for lead, ev in zip(lead_ids, batch.events, strict=True) if lead not in seen]
    lap("grade_trend")
    found = iter(zip(*source.stored(asks), strict=True))
    lap("redis")
    pairs = [(seen[lead], False) if lead in seen else next(found) for lead in lead_ids]
    previous, unknown = chain_previous(lead_ids, [p for p, _ in pairs], scores,
                                       [u for _, u in pairs])
    named = trends(previous, scores, delta)
    previous[unknown] = np.nan
    published = [None if u else t for t, u in zip(named, unknown.tolist(), strict=True)]
    return Trends(published, previous), int(np.count_nonzero(unknown))
