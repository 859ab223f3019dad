"""The write after a batch's commit, sent while the next batch is scored, against the real
Redis: it lands before the next batch's history is written, and its failure is counted
and seen by the next batch's bookkeeping (:mod:`streams.scorer.bookkeeping`)."""

from __future__ import annotations

import threading
import uuid

import redis

from streams.scorer.batch import BatchResult
from streams.scorer.bookkeeping import BatchBook
from streams.scorer.metrics import Progress, ScorerMetrics
from streams.scorer.trends import TrendSource
from streams.settings import Settings
from streams.stores.history import PREFIX, History, HistoryRows, element
from streams.stores.ledger import LEDGER_PREFIX, Ledger, redis_client
from streams.stores.ledger_rows import LedgerRows

TTL_S = 600
HELD_S = 1.0
"""How long the gated writer holds the write after the commit (unless let go)."""


class GatedRedis(redis.Redis):
    """A real client whose pipelines start only once ``gate`` is set (or ``HELD_S``)."""

    gate = threading.Event()

    def pipeline(self, *args: object, **kwargs: object) -> redis.client.Pipeline:
        self.gate.wait(HELD_S)
        return super().pipeline(*args, **kwargs)


def _batch(lead: str, offset: int, score: str) -> BatchResult:
    history = HistoryRows([lead], [element(0, offset, score, "B", "3", 1_767_225_601)])
    ledger = LedgerRows([lead], [f'["L",{offset}]'], {}, {"L": "[]"})
    return BatchResult(ledger=ledger, history=history)


def _book(trends_client: redis.Redis, ledger_client: redis.Redis
          ) -> tuple[BatchBook, TrendSource, ScorerMetrics]:
    metrics = ScorerMetrics()
    trends = TrendSource(History(trends_client, max_entries=5, ttl_s=TTL_S),
                         on_missed=metrics.history_missed.inc, retry_s=0.0)
    return BatchBook(metrics, Progress(metrics), Ledger(ledger_client, TTL_S), trends), \
        trends, metrics


def test_the_write_after_a_commit_lands_before_the_next_batch_history(
        redis_client: redis.Redis, stack_settings: Settings) -> None:
    gated = GatedRedis.from_url(stack_settings.redis_url)
    GatedRedis.gate.clear()
    book, _, metrics = _book(redis_client, gated)
    lead = f"lead-{uuid.uuid4().hex}"
    try:
        book.before(_batch(lead, 10, "0.25"))
        book.record_later(_batch(lead, 10, "0.25"))  # held by the gate
        book.before(_batch(lead, 11, "0.5"))  # must wait for it
        landed = redis_client.get(LEDGER_PREFIX + lead)
        GatedRedis.gate.set()
        book.close()
    finally:
        gated.close()
    assert landed is not None, "the next batch's history was written before the write " \
                               "after the previous commit landed"
    entries = [e.decode() for e in redis_client.lrange(PREFIX + lead, 0, -1)]
    assert [e.split(":")[1] for e in entries] == ["11", "10"]
    assert entries[1].endswith(":c") and not entries[0].endswith(":c")
    assert metrics.ledger_missed._value.get() == 0
    assert metrics.history_missed._value.get() == 0


def test_a_failed_write_after_a_commit_is_counted_before_the_next_batch(
        redis_client: redis.Redis) -> None:
    down = redis_client_to_nowhere()
    book, trends, metrics = _book(redis_client, down)
    lead, other = f"lead-{uuid.uuid4().hex}", f"lead-{uuid.uuid4().hex}"
    book.before(_batch(lead, 20, "0.25"))
    book.record_later(_batch(lead, 20, "0.25"))  # no Redis there: fails
    book.before(_batch(other, 21, "0.5"))  # takes the failure's outcome first
    assert metrics.ledger_missed._value.get() == 1
    assert metrics.history_missed._value.get() == 1
    assert trends.stored([(lead, 0, 30)])[1] == [True]  # a gap: its trend published null
    book.before(_batch(lead, 30, "0.75"))  # its next entry closes the gap
    book.close()
    assert trends.stored([(lead, 0, 31)]) == ([0.75], [False])


def redis_client_to_nowhere() -> redis.Redis:
    """A client of a port nothing listens on (fails fast)."""
    return redis_client("redis://127.0.0.1:1/0", 0.5)
