"""A batch's per-lead state read before scoring, in one pipelined Redis call: its event-id
claims (:class:`~streams.stores.dedup.Deduplicator`) and its leads' previous scores
(:class:`~streams.scorer.trends.TrendSource`).

Each side keeps its own failure policy (a failed claim call means no de-duplication for the
batch, a failed history read means null trends); one call failing fails both, as they ride
one connection. The batch's writes go in one call too, after its commit
(:mod:`streams.scorer.bookkeeping`).

:class:`StateReader` sends that call from its own thread, so the batch's predictions and
reasons (native code that releases the GIL) run while Redis answers: the scorer's ``redis``
stage is then only the wait left over. Without a Redis client (in-memory stores) it reads
inline.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import redis

from streams.scorer.trends import TrendSource
from streams.stores.dedup import Claim, Deduplicator
from streams.stores.scripts import Pipeline, execute

Ask = tuple[str, int, int]


class Prefetched:
    """Previous scores already read, answered per lead (the source :func:`batch_trends`
    asks)."""

    def __init__(self, asks: Sequence[Ask], answer: tuple[list, list]):
        self._by_lead = {lead: (s, u) for (lead, _, _), s, u in zip(asks, *answer, strict=True)}

    def stored(self, asks: Sequence[Ask]) -> tuple[list[float | None], list[bool]]:
        got = [self._by_lead.get(lead, (None, True)) for lead, _, _ in asks]
        return [s for s, _ in got], [u for _, u in got]


def in_memory(dedup: Deduplicator, trends: TrendSource | None) -> bool:
    """Whether a side of the read has no Redis client (in-memory stores, fakes): each side
    is then asked on its own, inline."""
    history_on = trends is not None and trends.enabled
    return dedup.client is None or (history_on and trends.client is None)  # type: ignore[union-attr]


def read_state(dedup: Deduplicator, trends: TrendSource | None, claims: Sequence[Claim],
               asks: Sequence[Ask]) -> tuple[dict[int, str], Prefetched | None]:
    """The claims' duplicates (index → first source) and the leads' previous scores: one
    round trip when both sides are Redis stores (:mod:`streams.stores.scripts`: not two),
    else each asked on its own (fakes)."""
    history_on = trends is not None and trends.enabled
    client = dedup.client
    if in_memory(dedup, trends):
        dupes = dedup.duplicates(claims)
        if not history_on:
            return dupes, None
        return dupes, Prefetched(asks, trends.stored(asks))  # type: ignore[union-attr]
    claiming = dedup.asking(claims)
    query = trends.query(asks) if history_on and asks else None  # type: ignore[union-attr]
    replies: list[object] = []

    def stage(pipe: Pipeline) -> tuple:
        if claiming:
            dedup.stage(pipe, claims)
        if query:
            trends.stage_read(pipe, query)  # type: ignore[union-attr]
        return dedup.scripts + (trends.scripts if query else ())  # type: ignore[union-attr]

    if claiming or query:
        try:
            replies = execute(client, stage)
        except redis.RedisError as exc:
            replies = [exc] * (int(claiming) + int(bool(query)))
    dupes = dedup.answer(replies[0]) if claiming else {}
    if not history_on:
        return dupes, None
    found = replies[int(claiming)] if query else None
    return dupes, Prefetched(asks, trends.answer(asks, query, found))  # type: ignore[union-attr]


State = tuple[dict[int, str], Prefetched | None]


class StateReader:
    """Starts a batch's :func:`read_state` on one reader thread (inline for in-memory
    stores); the caller collects it with ``.result()``, which re-raises what it raised."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None

    def start(self, dedup: Deduplicator, trends: TrendSource | None,
              claims: Sequence[Claim], asks: Sequence[Ask]) -> Future[State]:
        if in_memory(dedup, trends):
            done: Future[State] = Future()
            try:
                done.set_result(read_state(dedup, trends, claims, asks))
            except Exception as exc:  # handed to the caller, as the thread would
                done.set_exception(exc)
            return done
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="state-read")
        return self._pool.submit(read_state, dedup, trends, claims, asks)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
