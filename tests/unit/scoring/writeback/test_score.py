"""Newest per lead, the 1-100 scale and the ordering rule, checked by hand."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from schemas.scored import ScoredLead
from scoring.writeback.score import WritebackScore, newest_per_lead

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def ws(lead: str, score: float, seconds: float, offset: int) -> WritebackScore:
    return WritebackScore(lead, score, "B", "m", "3", "champion",
                          T0 + timedelta(seconds=seconds), 0, offset)


def test_the_newest_score_of_each_lead_wins_whatever_the_order() -> None:
    rng = random.Random(4)
    scores = [ws(f"L{i % 7}", rng.random(), rng.randrange(100), i) for i in range(200)]
    expected = {}
    for s in scores:  # by hand: latest time, then highest offset
        best = expected.get(s.lead_id)
        if best is None or (s.scored_at, s.offset) > (best.scored_at, best.offset):
            expected[s.lead_id] = s
    shuffled = scores[:]
    rng.shuffle(shuffled)
    assert {s.lead_id: s for s in newest_per_lead(shuffled)} == expected
    assert len(newest_per_lead(shuffled)) == 7


def test_a_tie_in_time_is_broken_by_the_later_offset() -> None:
    a, b = ws("L", 0.2, 5, 10), ws("L", 0.9, 5, 11)
    assert newest_per_lead([b, a]) == [b] and newest_per_lead([a, b]) == [b]
    assert b.newer_than(a) and not a.newer_than(b) and not a.newer_than(a)


def test_leads_keep_the_order_they_were_first_seen() -> None:
    out = newest_per_lead([ws("B", 0.1, 1, 0), ws("A", 0.1, 1, 1), ws("B", 0.3, 2, 2)])
    assert [s.lead_id for s in out] == ["B", "A"] and out[0].score == 0.3


def test_score_100_rounds_and_stays_within_1_and_100() -> None:
    cases = {0.0: 1, 0.004: 1, 0.006: 1, 0.015: 2, 0.5: 50, 0.874: 87, 0.876: 88, 1.0: 100}
    for score, expected in cases.items():
        assert ws("L", score, 0, 0).score_100 == expected, score


def test_built_from_a_scored_lead_with_its_position() -> None:
    lead = ScoredLead(lead_id="L9", score=0.81, grade="A", model_name="lead-scoring",
                      model_version="4", model_alias="champion", scored_at=T0, latency_ms=3,
                      source_partition=2, source_offset=77)
    s = WritebackScore.of(lead, partition=5, offset=123)
    assert (s.lead_id, s.score, s.grade, s.model_version, s.variant) == (
        "L9", 0.81, "A", "4", "champion")
    assert (s.partition, s.offset, s.scored_at) == (5, 123, T0)
