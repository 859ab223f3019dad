"""The scorer's per-batch Redis calls against the real Redis: the state read before scoring
and the bookkeeping after the commit are each one pipeline with no ``SCRIPT EXISTS``
before it, and scripts Redis lost (restart, ``SCRIPT FLUSH``) are loaded again without
a wrong answer (:mod:`streams.stores.scripts`)."""

from __future__ import annotations

import uuid

import redis

from streams.scorer.batch_result import BatchResult
from streams.scorer.bookkeeping import BatchBook
from streams.scorer.metrics import Progress, ScorerMetrics
from streams.scorer.state_read import read_state
from streams.scorer.trends import TrendSource
from streams.stores import lead_state
from streams.stores.dedup import Claim, Deduplicator
from streams.stores.history import History, HistoryRows, element
from streams.stores.ledger import Ledger
from streams.stores.ledger_rows import LedgerRows

TTL_S = 600
AT = 1_767_225_601
"""The history entries' time, and the stores' clock."""


def _stores(client: redis.Redis) -> tuple[Deduplicator, TrendSource, BatchBook]:
    trends = TrendSource(History(client, max_entries=5, ttl_s=TTL_S, now=lambda: AT))
    metrics = ScorerMetrics()
    book = BatchBook(metrics, Progress(metrics), Ledger(client, TTL_S), trends)
    return Deduplicator(client, TTL_S), trends, book


def _calls(client: redis.Redis) -> dict[str, int]:
    stats = client.info("commandstats")
    return {name: stats.get(f"cmdstat_{name}", {}).get("calls", 0)
            for name in ("evalsha", "eval", "script|exists", "script|load")}


def _batch(leads: list[str], offset: int, score: str) -> BatchResult:
    history = HistoryRows(leads, [element(0, offset + i, score, "B", "3", AT)
                                  for i in range(len(leads))])
    ledger = LedgerRows(leads, [f'["L",{i}]' for i in range(len(leads))], {}, {"L": "[]"})
    return BatchResult(ledger=ledger, history=history)


def test_state_read_and_record_send_no_script_exists(redis_client: redis.Redis) -> None:
    dedup, trends, book = _stores(redis_client)
    leads = [f"lead-{uuid.uuid4().hex}-{i}" for i in range(3)]
    claims = [Claim(f"ev-{lead}", f"in:0:{i}", lead) for i, lead in enumerate(leads)]
    asks = [(lead, 0, i) for i, lead in enumerate(leads)]
    read_state(dedup, trends, claims, asks)  # scripts loaded once, as after a start
    book.record(_batch(leads, 0, "0.25"))
    before = _calls(redis_client)
    dupes, stored = read_state(dedup, trends, claims, asks)
    book.record(_batch(leads, 0, "0.25"))
    after = _calls(redis_client)
    assert dupes == {}
    assert stored is not None
    assert after["script|exists"] == before["script|exists"]
    # claims, previous scores; history with the ledger rows: each script by its SHA
    assert after["evalsha"] - before["evalsha"] == 3  # the rows ride with the history
    assert after["eval"] - before["eval"] == 0


def test_scripts_redis_lost_are_loaded_again_and_answer_right(
        redis_client: redis.Redis) -> None:
    dedup, trends, book = _stores(redis_client)
    leads = [f"lead-{uuid.uuid4().hex}-{i}" for i in range(2)]
    first = [Claim(f"ev-{lead}", f"in:0:{i}", lead) for i, lead in enumerate(leads)]
    assert read_state(dedup, trends, first, [(lead, 0, i) for i, lead in enumerate(leads)]
                      )[0] == {}
    book.record(_batch(leads, 0, "0.25"))
    redis_client.script_flush()
    resent = [Claim(c.event_id, f"in:0:{10 + i}", c.lead_id) for i, c in enumerate(first)]
    later = [(lead, 0, 10 + i) for i, lead in enumerate(leads)]
    dupes, stored = read_state(dedup, trends, resent, later)
    assert dupes == {0: "in:0:0", 1: "in:0:1"}
    assert stored is not None
    assert stored.stored(later) == ([0.25, 0.25], [False, False])
    redis_client.script_flush()
    book.record(_batch(leads, 10, "0.5"))
    for lead in leads:
        assert [e["score"] for e in trends._history.entries(lead)] == [0.5, 0.25]
        assert redis_client.get(lead_state.key(lead)).startswith(b'["L",')
    assert dedup.skipped_batches == 0


def test_ledger_rows_ride_with_the_history_write_even_for_a_lead_without_an_entry(
        redis_client: redis.Redis) -> None:
    _, _, book = _stores(redis_client)
    tag = uuid.uuid4().hex
    a, b = f"a-{tag}", f"b-{tag}"
    redis_client.set(lead_state.key(b), "old row\n=ev\t0:1:1\n")  # a claim, an older row
    ledger = LedgerRows([a, b, a], ['["A",1]', '["B",1]', '["A",2]'], {}, {"L": "[]"})
    history = HistoryRows([a], [element(0, 7, "0.5", "B", "3", AT)])
    before = _calls(redis_client)
    book.record(BatchResult(ledger=ledger, history=history))
    assert _calls(redis_client)["evalsha"] - before["evalsha"] == 1
    assert redis_client.get(lead_state.key(a)) == f'["A",2]\n0:7:0.5:B:3:{AT}:c\n'.encode()
    assert redis_client.get(lead_state.key(b)) == b'["B",1]\n=ev\t0:1:1\n'
    assert 0 < redis_client.ttl(lead_state.key(b)) <= TTL_S
