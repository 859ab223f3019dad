"""The score history store against the real Redis: bound, TTL, ordering, idempotent
rewrites of a source position, previous scores around retries, forget."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.stores.history import History, HistoryRows, element
from streams.stores.lead_state import key

NOW = 1_700_000_100
"""The stores' clock in these tests: the entries' time (1_700_000_000) is a minute old."""

TTL_S = 3600


def rows(*events: tuple[str, int, int, float]) -> HistoryRows:
    return HistoryRows([e[0] for e in events],
                       [element(p, o, repr(s), "B", "3", 1_700_000_000)
                        for _, p, o, s in events])


def offsets(history: History, lead: str) -> list[int]:
    return [d["source_offset"] for d in history.entries(lead)]


@pytest.fixture
def history(fresh_settings, redis_client) -> History:
    return History(redis_client, max_entries=5, ttl_s=TTL_S, now=lambda: NOW)


def test_newest_first_bounded_with_ttl(history, redis_client):
    assert history.record(rows(*[("L1", 0, o, o / 100) for o in range(8)])) == 8
    assert offsets(history, "L1") == [7, 6, 5, 4, 3]  # bound 5, newest first
    assert redis_client.get(key("L1")).count(b"\n") == 6  # the (empty) ledger line + 5
    assert 0 < redis_client.ttl(key("L1")) <= TTL_S


def test_entries_past_the_retention_are_dropped(redis_client):
    history = History(redis_client, max_entries=5, ttl_s=TTL_S, now=lambda: NOW + TTL_S + 50)
    history.record(rows(("L1", 0, 1, 0.1)))  # at 1_700_000_000: 50 s past the retention
    assert offsets(history, "L1") == []
    history.record(HistoryRows(["L1"], [element(0, 2, "0.2", "B", "3", NOW + TTL_S)]))
    assert offsets(history, "L1") == [2]


def test_an_entry_is_compact_and_reads_back_under_the_record_names(history, redis_client):
    history.record(HistoryRows(["L1"], [element(2, 40, "0.123456789", "A", "12", 1_700_000_001)]))
    assert history.entries("L1") == [{
        "source_partition": 2, "source_offset": 40, "score": 0.123456789, "grade": "A",
        "model_version": "12", "scored_at": "2023-11-14T22:13:21Z"}]
    assert redis_client.memory_usage(key("L1")) <= 160  # key, TTL and entry (was ~1.5 KB)


def test_the_same_position_again_replaces_never_duplicates(history):
    history.record(rows(("L1", 0, 10, 0.2), ("L1", 0, 20, 0.3)))
    # the batch processed again (abort / kill -9), a hot swap changed the scores
    assert history.record(rows(("L1", 0, 10, 0.25), ("L1", 0, 20, 0.35))) == 0
    assert [d["score"] for d in history.entries("L1")] == [0.35, 0.25]
    # only the first event processed again, then the second in a later batch
    history.record(rows(("L1", 0, 10, 0.26)))
    history.record(rows(("L1", 0, 20, 0.36)))
    assert [d["score"] for d in history.entries("L1")] == [0.36, 0.26]


def test_a_retried_batch_with_more_scores_of_a_lead_than_the_bound(history):
    history.record(rows(("L1", 0, 1, 0.01)))  # committed earlier
    batch = [("L1", 0, o, o / 100) for o in range(10, 18)]  # 8 scores, bound 5: aborted
    history.record(rows(*batch))
    assert offsets(history, "L1") == [17, 16, 15, 14, 13]
    # processed again: the previous of 10 was pushed out (unknown, not "new", not 0.17);
    # 14's is 13's entry, still there
    got = history.previous([("L1", 0, 10), ("L1", 0, 14)])
    assert math.isnan(got[0]) and got[1] == 0.13
    assert history.record(rows(*batch)) == 3  # 10-12 inserted in order, then cut by the bound
    assert offsets(history, "L1") == [17, 16, 15, 14, 13]


def test_two_leads_in_one_call_and_the_same_lead_twice(history):
    history.record(rows(("A", 0, 1, 0.1), ("B", 1, 1, 0.9), ("A", 0, 2, 0.2)))
    assert offsets(history, "A") == [2, 1]
    assert offsets(history, "B") == [1]


def test_previous_skips_the_same_and_later_positions_of_a_retry(history):
    history.record(rows(("L1", 0, 5, 0.1), ("L1", 0, 10, 0.2), ("L1", 0, 20, 0.3)))
    asks = [("L1", 0, 30), ("L1", 0, 20), ("L1", 0, 10), ("L1", 0, 5), ("L1", 3, 1),
            ("new", 0, 1)]
    # a new event sees the newest; a retry of 20 sees 10, of 10 sees 5; 5 saw nothing;
    # another partition's event sees the newest entry; an unknown lead nothing
    assert history.previous(asks) == [0.3, 0.2, 0.1, None, 0.3, None]


def test_forget(history, redis_client):
    history.record(rows(("L1", 0, 1, 0.1), ("L2", 0, 1, 0.2)))
    assert history.forget("L1") == 1
    assert history.forget("L1") == 0
    assert history.entries("L1") == [] and offsets(history, "L2") == [1]
    assert not redis_client.exists(key("L1"))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lead=st.text(min_size=1, max_size=128), version=st.from_regex(r"[0-9]{1,6}", fullmatch=True),
       partition=st.integers(0, 2**31 - 1), offset=st.integers(0, 2**53 - 2),
       score=st.floats(0.0, 1.0), grade=st.sampled_from("ABCD"),
       at=st.integers(0, 2**33))
def test_hostile_lead_ids_and_entries_round_trip(history, redis_client, lead, version,
                                                 partition, offset, score, grade, at):
    """Any lead id (newlines, braces, unicode) and any entry come back exactly."""
    redis_client.delete(key(lead))
    history = History(redis_client, max_entries=5, ttl_s=TTL_S, now=lambda: at)
    history.record(HistoryRows([lead], [element(partition, offset, repr(score), grade,
                                                 version, at)]))
    (got,) = history.entries(lead)
    assert (got["source_partition"], got["source_offset"], got["score"], got["grade"],
            got["model_version"]) == (partition, offset, score, grade, version)
    assert history.previous([(lead, partition, offset + 1)]) == [score]
    assert history.previous([(lead, partition, offset)]) == [None]


def test_an_aborted_attempts_elements_are_taken_back_only_as_written(history):
    history.record(rows(("L1", 0, 1, 0.1)))  # committed earlier
    attempt = rows(("L1", 0, 5, 0.5), ("L2", 0, 6, 0.6))
    history.record(attempt)
    other = rows(("L2", 0, 6, 0.65))  # the position rewritten since by another attempt
    history.record(other)
    assert history.remove(attempt) == 1  # L1's element; L2's is no longer the one written
    assert offsets(history, "L1") == [1]
    assert [d["score"] for d in history.entries("L2")] == [0.65]
