"""The sink's forgotten-lead filter: a forgotten lead's records from before its erasure are
dropped and counted, later ones and other leads' pass, and when Redis cannot say the batch
is held back (``RetryableError``), never sent blind."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import redis
from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_NOT_AVAILABLE
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Counter

from schemas.errors import RetryableError
from scoring.writeback.score import WritebackScore
from streams.sink.forgotten import Forgotten

AT = datetime(2026, 3, 1, tzinfo=UTC)


class Erased:
    def __init__(self, at: dict[str, int] | None):
        self.at = at

    def erased_at(self, lead_ids):
        if self.at is None:
            raise redis.ConnectionError("down")
        return {lead: self.at[lead] for lead in lead_ids if lead in self.at}


class Msg:
    def __init__(self, partition: int, offset: int, ts: tuple[int, int]):
        self._p, self._o, self._ts = partition, offset, ts

    def partition(self) -> int:
        return self._p

    def offset(self) -> int:
        return self._o

    def timestamp(self) -> tuple[int, int]:
        return self._ts


def score(lead: str, offset: int) -> WritebackScore:
    return WritebackScore(lead, 0.5, "B", "m", "1", "champion", AT, 0, offset)


records = st.lists(st.tuples(st.sampled_from(["a", "b", "c"]),
                             st.integers(0, 2_000), st.booleans()), max_size=30)


@given(rows=records, erased=st.dictionaries(st.sampled_from(["a", "b"]),
                                            st.integers(0, 2_000)))
def test_only_forgotten_leads_records_from_before_their_erasure_are_dropped(rows, erased):
    skipped = Counter("skipped", "", registry=CollectorRegistry())
    scores = [score(lead, i) for i, (lead, _, _) in enumerate(rows)]
    msgs = [Msg(0, i, (TIMESTAMP_CREATE_TIME if has_ts else TIMESTAMP_NOT_AVAILABLE, ts))
            for i, (_, ts, has_ts) in enumerate(rows)]
    kept = Forgotten(Erased(erased), skipped).keep(scores, msgs)  # type: ignore[arg-type]
    expected = [i for i, (lead, ts, has_ts) in enumerate(rows)
                if lead not in erased or (has_ts and ts > erased[lead])]
    assert [s.offset for s in kept] == expected
    assert skipped._value.get() == len(rows) - len(expected)


def test_redis_down_holds_the_batch_back():
    skipped = Counter("skipped", "", registry=CollectorRegistry())
    with pytest.raises(RetryableError, match="forgotten leads unknown"):
        Forgotten(Erased(None), skipped).keep([score("a", 0)],  # type: ignore[arg-type]
                                              [Msg(0, 0, (TIMESTAMP_CREATE_TIME, 5))])
