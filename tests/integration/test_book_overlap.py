"""The write after a batch's commit, sent while the next batch is scored, against the real
Redis: it lands before the next batch's history is written, its failure is counted and
seen by the next batch's bookkeeping, and the scorer stops with the last one landed; the
history entries before the commit, sent while the loop produces the batch, are waited for
before the commit (:mod:`streams.scorer.bookkeeping`)."""

from __future__ import annotations

import threading
import time
import uuid

import redis

from streams.scorer.batch_result import BatchResult
from streams.scorer.bookkeeping import BatchBook
from streams.scorer.build import build_scorer
from streams.scorer.metrics import Progress, ScorerMetrics, total
from streams.scorer.run_bounds import RunLimits
from streams.scorer.trends import TrendSource
from streams.settings import Settings
from streams.stores import lead_state
from streams.stores.history import History, HistoryRows, element
from streams.stores.ledger import Ledger, redis_client
from streams.stores.ledger_rows import LedgerRows
from tests.integration.helpers import make_traffic, produce, train_champion

TTL_S = 600
HELD_S = 1.0
"""How long the gated writer holds the write after the commit (unless let go)."""


class GatedRedis(redis.Redis):
    """A real client whose pipelines start only once ``gate`` is set (or ``HELD_S``)."""

    gate = threading.Event()

    def pipeline(self, *args: object, **kwargs: object) -> redis.client.Pipeline:
        self.gate.wait(HELD_S)
        return super().pipeline(*args, **kwargs)


class GatedScripts(redis.Redis):
    """A real client whose script calls start only once ``gate`` is set (or ``HELD_S``)."""

    gate = threading.Event()

    def evalsha(self, *args: object, **kwargs: object) -> object:
        self.gate.wait(HELD_S)
        return super().evalsha(*args, **kwargs)


def _batch(lead: str, offset: int, score: str) -> BatchResult:
    history = HistoryRows([lead], [element(0, offset, score, "B", "3", int(time.time()))])
    ledger = LedgerRows([lead], [f'["L",{offset}]'], {}, {"L": "[]"})
    return BatchResult(ledger=ledger, history=history)


def _lines(client: redis.Redis, lead: str) -> tuple[list[str], list[str]]:
    """The lead's ledger rows and history entries, read off its one key's lines (a row is
    JSON, an entry starts with its partition)."""
    raw = client.get(lead_state.key(lead))
    lines = raw.decode().split("\n") if raw else []
    return [x for x in lines if x.startswith("[")], [x for x in lines if x[:1].isdigit()]


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
        landed = _lines(redis_client, lead)[0] or None
        GatedRedis.gate.set()
        book.close()
    finally:
        gated.close()
    assert landed is not None, "the next batch's history was written before the write " \
                               "after the previous commit landed"
    entries = _lines(redis_client, lead)[1]
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


def test_the_scorer_stops_with_its_last_write_landed_and_the_writer_stopped(
        fresh_settings: Settings, redis_client: redis.Redis) -> None:
    settings = fresh_settings.model_copy(update={"model_name": f"m-{uuid.uuid4().hex[:8]}",
                                                 "batch_size": 50})
    train_champion(settings)
    sent, _ = make_traffic(200, settings, bad_share=0.0)
    produce(settings, sent)
    scorer = build_scorer(settings, RunLimits(max_events=len(sent)), ScorerMetrics())
    scorer.run()
    assert not [t for t in threading.enumerate() if t.name.startswith("batch-book")], \
        "the bookkeeping's writer thread outlived the scorer"
    leads = {s.lead_id for s in sent if s.lead_id}
    assert total(scorer.metrics.scored) == len(sent)
    state = [_lines(redis_client, lead) for lead in sorted(leads)]
    assert sum(len(rows) for rows, _ in state) == len(leads)  # the last batch's rows too
    assert all(e.endswith(":c") for _, entries in state for e in entries)
    assert sum(len(entries) for _, entries in state) == len(sent)


def test_a_revocation_waits_for_the_write_in_flight(
        fresh_settings: Settings, redis_client: redis.Redis) -> None:
    settings = fresh_settings.model_copy(update={"model_name": f"m-{uuid.uuid4().hex[:8]}"})
    train_champion(settings)
    scorer = build_scorer(settings, RunLimits(max_events=1), ScorerMetrics())
    gated = GatedRedis.from_url(settings.redis_url)
    GatedRedis.gate.clear()
    scorer._book, _, _ = _book(redis_client, gated)
    lead = f"lead-{uuid.uuid4().hex}"
    try:
        scorer._book.record_later(_batch(lead, 40, "0.25"))  # held by the gate
        scorer._on_revoke(scorer._consumer, [])  # the next owner's writes come after
        landed = _lines(redis_client, lead)[0] or None
        GatedRedis.gate.set()
    finally:
        scorer._close()
        gated.close()
    assert landed is not None, "partitions were handed over with our write in flight"


def test_the_history_before_the_commit_is_sent_and_waited_for_at_the_commit(
        redis_client: redis.Redis, stack_settings: Settings) -> None:
    gated = GatedScripts.from_url(stack_settings.redis_url)
    GatedScripts.gate.clear()
    book, trends, metrics = _book(gated, redis_client)
    lead = f"lead-{uuid.uuid4().hex}"
    try:
        t0 = time.monotonic()
        book.send_before(_batch(lead, 50, "0.25"))  # held by the gate: the loop goes on
        sent_s = time.monotonic() - t0
        early = _lines(redis_client, lead)[1]
        GatedScripts.gate.set()
        book.landed()  # what the transaction calls just before its commit
        landed = _lines(redis_client, lead)[1]
    finally:
        book.close()
        gated.close()
    assert sent_s < HELD_S / 2 and early == [], "the loop waited for the history write"
    assert [e.split(":")[1] for e in landed] == ["50"], "not landed when waited for"
    assert metrics.history_missed._value.get() == 0
    assert trends.stored([(lead, 0, 51)]) == ([0.25], [False])


def test_a_failed_history_write_before_the_commit_leaves_a_gap(
        redis_client: redis.Redis) -> None:
    down = redis_client_to_nowhere()
    book, trends, metrics = _book(down, redis_client)
    lead = f"lead-{uuid.uuid4().hex}"
    book.send_before(_batch(lead, 60, "0.25"))
    book.landed()
    book.close()
    assert metrics.history_missed._value.get() == 1
    assert trends.stored([(lead, 0, 61)])[1] == [True]  # its next trend is published null
