"""A batch's state read before scoring — event-id claims and previous scores — in one
pipelined call against the real Redis: the same answers as the two calls on their own, and
one failure policy per side when Redis is away."""

from __future__ import annotations

import uuid

import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.scorer.state_read import read_state
from streams.scorer.trends import TrendSource
from streams.settings import Settings
from streams.stores.dedup import Claim, Deduplicator
from streams.stores.history import History, HistoryRows, element
from tests.integration.helpers import closed_port

TTL_S = 600


def _stores(url: str) -> tuple[Deduplicator, TrendSource, History]:
    history = History(redis.Redis.from_url(url, socket_timeout=1.0), 5, TTL_S,
                      now=lambda: 0)  # the entries below are at 0
    return Deduplicator.from_url(url, timeout_s=1.0, ttl_s=TTL_S), TrendSource(history), history


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 4), st.booleans(), st.booleans()), min_size=1,
                max_size=30))
def test_one_call_answers_as_the_two_calls_would(stack_settings: Settings, events) -> None:
    """``events``: (lead number, scored before?, resent?) per event of the batch."""
    tag = uuid.uuid4().hex[:8]
    dedup, trends, history = _stores(stack_settings.redis_url)
    leads = [f"{tag}-L{n}" for n, _, _ in events]
    before = [(lead, i) for i, (lead, (_, scored, _)) in enumerate(zip(leads, events,
                                                                         strict=True))
              if scored]
    history.record(HistoryRows([lead for lead, _ in before],
                               [element(0, i, repr(i / 100), "C", "1", 0) for _, i in before]))
    earlier = [Claim(f"{tag}-ev{i}", f"in:1:{i}", lead)
               for i, (lead, (_, _, resent)) in enumerate(zip(leads, events, strict=True))
               if resent]
    assert dedup.duplicates(earlier) == {}  # held by other positions: the batch's are resends
    claims = [Claim(f"{tag}-ev{i}", f"in:0:{100 + i}", lead) for i, lead in enumerate(leads)]
    asks = [(lead, 0, 100 + i) for i, lead in enumerate(leads)]
    want_previous = trends.stored(asks)

    dupes, stored = read_state(dedup, trends, claims, asks)

    assert dupes == {i: f"in:1:{i}" for i, (_, _, resent) in enumerate(events) if resent}
    assert stored is not None and stored.stored(asks) == want_previous
    newest = {lead: i / 100 for lead, i in before}  # the last recorded entry per lead wins
    assert want_previous[0] == [newest.get(lead) for lead in leads]


def test_redis_away_means_no_dedup_and_unknown_trends(stack_settings: Settings) -> None:
    dedup, trends, _ = _stores(f"redis://127.0.0.1:{closed_port()}/0")
    dupes, stored = read_state(dedup, trends, [Claim("e1", "in:0:1", "L1")], [("L1", 0, 1)])
    assert dupes == {} and dedup.skipped_batches == 1
    assert stored is not None and stored.stored([("L1", 0, 1)]) == ([None], [True])
