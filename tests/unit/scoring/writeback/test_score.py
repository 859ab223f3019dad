"""Newest per lead by position on ``leads.scored`` (never by the scorer's clock), the 1-100
scale, and times of any year and zone, checked by hand."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

from schemas.scored import ScoredLead
from scoring.writeback.score import WritebackScore, iso, newest_per_lead

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def ws(lead: str, score: float, seconds: float, offset: int, partition: int = 0) -> WritebackScore:
    return WritebackScore(lead, score, "B", "m", "3", "champion",
                          T0 + timedelta(seconds=seconds), partition, offset)


def test_the_highest_offset_of_each_lead_wins_whatever_the_read_order_and_the_clocks() -> None:
    rng = random.Random(4)
    # scored_at drawn at random: clocks that jump back and forth between scorers
    scores = [ws(f"L{i % 7}", rng.random(), rng.randrange(-100, 100), i, i % 7)
              for i in range(200)]
    expected = {}
    for s in scores:  # by hand: the last one of each lead written to its partition
        expected[s.lead_id] = s
    shuffled = scores[:]
    rng.shuffle(shuffled)
    assert {s.lead_id: s for s in newest_per_lead(shuffled)} == expected
    assert len(newest_per_lead(shuffled)) == 7


def test_a_newer_score_from_a_scorer_60_s_behind_wins() -> None:
    # the partition moved to a scorer whose clock is 60 s behind: offset 11 was written
    # after offset 10 but is stamped a minute earlier
    before, after = ws("L", 0.2, 60, 10, 3), ws("L", 0.9, 0, 11, 3)
    assert newest_per_lead([before, after]) == [after]
    assert newest_per_lead([after, before]) == [after]
    assert after.newer_than(before) and not before.newer_than(after)
    assert not before.newer_than(before)


def test_across_partitions_the_score_read_last_wins_and_neither_is_newer() -> None:
    # the partition count changed: positions on two partitions have no order, and the
    # clock is not asked either (the older-stamped one, read last, wins)
    old, moved = ws("L", 0.2, 60, 500, 1), ws("L", 0.9, 0, 3, 4)
    assert newest_per_lead([old, moved]) == [moved]
    assert newest_per_lead([moved, old]) == [old]
    assert not old.newer_than(moved) and not moved.newer_than(old)


def test_times_of_any_year_and_zone_are_shown_in_utc() -> None:
    def lead(at: datetime) -> ScoredLead:
        return ScoredLead(lead_id="L", score=0.5, grade="B", model_name="m", model_version="1",
                          model_alias="champion", scored_at=at, latency_ms=1,
                          source_partition=0, source_offset=0)
    plus5 = timezone(timedelta(hours=5))
    cases = {datetime(1, 1, 1): "0001-01-01T00:00:00Z",  # naive: UTC, never the host's zone
             datetime(9999, 12, 31, 23, 59, 59): "9999-12-31T23:59:59Z",
             datetime(2026, 3, 1, 17, 0, tzinfo=plus5): "2026-03-01T12:00:00Z",
             # no UTC form (year 0): kept with its offset, never a crash
             datetime(1, 1, 1, tzinfo=plus5): "0001-01-01T00:00:00+05:00"}
    for at, shown in cases.items():
        s = WritebackScore.of(lead(at), 0, 1)
        assert iso(s.scored_at) == shown and iso(at) == shown, at


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


def test_one_lead_stamped_naive_and_aware_is_ordered_by_offset() -> None:
    def lead(at: datetime) -> ScoredLead:
        return ScoredLead(lead_id="L", score=0.5, grade="B", model_name="m", model_version="1",
                          model_alias="champion", scored_at=at, latency_ms=1,
                          source_partition=0, source_offset=0)
    naive = WritebackScore.of(lead(datetime(2026, 3, 1, 12, 0)), 2, 7)
    aware = WritebackScore.of(lead(datetime(2026, 3, 1, 11, 59, tzinfo=UTC)), 2, 8)
    # raised "can't compare offset-naive and offset-aware datetimes"
    assert newest_per_lead([naive, aware]) == [aware] == newest_per_lead([aware, naive])
