"""Trend and previous score on the batch's leads.scored bytes, and the Redis failure policy:
a trend that cannot be known is published null, never guessed."""

from __future__ import annotations

import json

import numpy as np
import pytest
import redis
from confluent_kafka import Message

from schemas.scored import ScoredLead, Trend
from scoring.serving import ServingPlan
from streams.kafka.io import translate
from streams.scorer.batch import BatchStep, OutputTopics
from streams.scorer.trends import TrendSource
from streams.stores.dedup import Deduplicator
from streams.stores.history import HistoryRows, parse
from tests.unit.scoring.conftest import random_columns

TOPICS = OutputTopics("scored", "dead")


class MemoryHistory:
    """The last recorded score per lead (positions are the Redis tests' business)."""

    def __init__(self) -> None:
        self.last: dict[str, float] = {}
        self.fail_reads = self.fail_writes = False
        self.written: list[HistoryRows] = []
        self.unknown = 0

    def previous(self, asks):
        if self.fail_reads:
            raise redis.ConnectionError("down")
        return [self.last.get(lead) for lead, _, _ in asks]

    def record(self, rows: HistoryRows) -> int:
        if self.fail_writes:
            raise redis.ConnectionError("down")
        self.written.append(rows)
        for lead, value in zip(rows.lead_ids, rows.values, strict=True):
            self.last[lead] = parse(value)["score"]
        return len(rows)

    def close(self) -> None:
        pass


def messages(lead_ids: list[str], seed: int) -> list[Message]:
    cols = random_columns(len(lead_ids), seed=seed)
    return [Message(topic="in", partition=0, offset=10 * seed + i, key=lead.encode(),
                    value=json.dumps({"lead_id": lead, **{k: v[i] for k, v in cols.items()
                                                          if v[i] is not None}}).encode(),
                    timestamp=(1, 1_000)) for i, lead in enumerate(lead_ids)]


@pytest.fixture
def setup(tiny_model):
    history = MemoryHistory()
    source = TrendSource(history, retry_s=0.0)  # type: ignore[arg-type]
    step = BatchStep(ServingPlan(tiny_model), Deduplicator(None, 0), TOPICS,
                     trend_source=source, trend_delta=0.05)

    def run(lead_ids: list[str], seed: int) -> list[ScoredLead]:
        result = step.run(translate(messages(lead_ids, seed)), "t")
        source.record(result.history)
        history.unknown = result.trend_unknown
        return [ScoredLead.model_validate_json(r.value) for r in result.records
                if r.topic == "scored"]
    return history, run


def expected_trend(previous: float, score: float) -> Trend:
    d = score - previous
    return Trend.IMPROVING if d > 0.05 else Trend.DECLINING if d < -0.05 else Trend.STEADY


def test_new_then_against_the_previous_and_twice_in_one_batch(setup):
    history, run = setup
    first = run(["A", "B"], seed=1)
    assert [(s.trend, s.previous_score) for s in first] == [(Trend.NEW, None)] * 2
    second = run(["A", "A", "B"], seed=2)
    a1, a2, b = second
    assert a1.previous_score == first[0].score and b.previous_score == first[1].score
    assert a2.previous_score == a1.score  # the same lead twice: the second vs the first
    for s in second:
        assert s.trend is expected_trend(s.previous_score, s.score)
    assert history.last == {"A": a2.score, "B": b.score}
    fields = ("source_partition", "source_offset", "score", "grade", "model_version")
    assert [parse(v) for v in history.written[-1].values] == [
        {**{f: getattr(s, f) for f in fields}, "scored_at": s.scored_at.replace(microsecond=0)
         .isoformat().replace("+00:00", "Z")} for s in second]  # the document stays on Kafka


def test_history_unreadable_publishes_null_trends_and_counts_them(setup, tiny_model):
    history, run = setup
    run(["A"], seed=1)
    history.fail_reads = True
    a1, a2 = run(["A", "A"], seed=2)
    assert (a1.trend, a1.previous_score) == (None, None)  # unknown, not "new"
    assert a2.previous_score == a1.score  # known: the same batch
    assert history.unknown == 1


def test_a_missed_write_leaves_a_gap_published_null_once(setup):
    history, run = setup
    run(["A"], seed=1)
    history.fail_writes = True
    run(["A"], seed=2)  # published, but its entry is not in the history
    history.fail_writes = False
    after_gap = run(["A"], seed=3)[0]
    assert (after_gap.trend, after_gap.previous_score) == (None, None)
    healed = run(["A"], seed=4)[0]
    assert healed.previous_score == after_gap.score and healed.trend is not None


def test_without_history_the_trend_is_null(tiny_model):
    step = BatchStep(ServingPlan(tiny_model), Deduplicator(None, 0), TOPICS)
    result = step.run(translate(messages(["A"], 1)), "t")
    scored = ScoredLead.model_validate_json(result.records[0].value)
    assert (scored.trend, scored.previous_score) == (None, None)
    assert not result.history and np.isfinite(scored.score)


def test_a_failed_redis_is_not_tried_again_for_retry_s():
    history, now = MemoryHistory(), [0.0]
    history.last["A"] = 0.4
    missed: list[int] = []
    source = TrendSource(history, on_missed=missed.append, retry_s=1.0,  # type: ignore[arg-type]
                         clock=lambda: now[0])
    history.fail_reads = True
    assert source.stored([("A", 0, 1)]) == ([None], [True])
    history.fail_reads = False
    now[0] = 0.5  # back already, but not tried before 1.0
    assert source.stored([("A", 0, 2)]) == ([None], [True])
    source.record(HistoryRows(["A"], ['0:2:0.5:C:1:0']))
    assert missed == [1] and history.written == []  # skipped: a gap, counted
    now[0] = 1.5
    assert source.stored([("A", 0, 3)]) == ([0.4], [True])  # read, but A has a gap
    source.record(HistoryRows(["A"], ['0:3:0.6:C:1:0']))
    assert source.stored([("A", 0, 4)]) == ([0.6], [False])


def test_a_previous_pushed_out_by_the_bound_is_unknown():
    history = MemoryHistory()
    history.last["A"], history.last["B"] = float("nan"), 0.3  # the store's "pushed out"
    source = TrendSource(history)  # type: ignore[arg-type]
    assert source.stored([("A", 0, 1), ("B", 0, 1), ("C", 0, 1)]) == (
        [None, 0.3, None], [True, False, False])
