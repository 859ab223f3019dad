"""Generated whole ``leads.scored`` records (key, value, headers, timestamp) through the
sink's decode step (:meth:`Sink.read`): each is a score to write back or exactly one dead
letter that passes the one size check; nothing raises (a crash would leave the batch
uncommitted and the sink crash-looping on it)."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from schemas.sink import SinkDeadLetter
from scoring.serving import ServingPlan
from scoring.writeback.formats import FORMATS
from scoring.writeback.score import WritebackScore
from streams.kafka.io import translate
from streams.kafka.sizes import letter_record, record_size
from streams.scorer.batch import BatchStep, OutputTopics
from streams.settings import Settings
from streams.sink.loop import Sink
from streams.sink.metrics import SinkMetrics
from tests.strategies.hostile import arbitrary_bytes, arbitrary_json
from tests.strategies.records import WholeRecord, big_json, near_valid_document, whole_records
from tests.unit.streams.scorer.fakes import MemoryDedup

pytestmark = pytest.mark.fuzz


@pytest.fixture(scope="module")
def scored_doc(tiny_model) -> dict:
    """A ``leads.scored`` value as the scorer writes it."""
    step = BatchStep(ServingPlan(tiny_model), MemoryDedup(), OutputTopics("s", "d"))
    lead = WholeRecord(b"L1", b'{"lead_id": "L1", "engagement_score": 50}', None, 1, 1000)
    (scored,) = step.run(translate([lead.message("in", 0, 0)])).records
    return json.loads(scored.value)


@pytest.fixture(scope="module")
def sink() -> Sink:
    """The sink's decode step needs no Kafka, CRM or Redis."""
    return Sink(Settings(_env_file=None), None, None, None, FORMATS["webhook"], None,
                SinkMetrics())


_RECORDS: list[st.SearchStrategy[WholeRecord]] = []


def _records(valid: dict) -> st.SearchStrategy[WholeRecord]:
    """Whole ``leads.scored`` records (built once: costly to build per example)."""
    if not _RECORDS:
        _RECORDS.append(whole_records(st.one_of(
            st.just(json.dumps(valid).encode()), near_valid_document(valid),
            near_valid_document(valid), arbitrary_json(), arbitrary_bytes(), big_json())))
    return _RECORDS[0]


@given(data=st.data())
def test_every_scored_record_is_a_score_or_one_dead_letter(sink: Sink, scored_doc: dict,
                                                           data: st.DataObject) -> None:
    drawn = data.draw(_records(scored_doc))
    msg = drawn.message("leads.scored", 2, 41)

    read = sink.read(msg, time.time() + 300)

    assert isinstance(read, WritebackScore | SinkDeadLetter)
    if isinstance(read, WritebackScore):
        event("score")
        assert (read.partition, read.offset) == (2, 41)
        assert read.lead_id and 0.0 <= read.score <= 1.0
        return
    event(read.reason.value)
    assert (read.source_partition, read.source_offset) == (2, 41)
    assert read.lead_id is None or len(read.lead_id) <= 128
    record = letter_record("sink.deadletter", read, (read.lead_id or "").encode() or None,
                           sink._s.max_record_bytes)
    assert record_size(record.key, record.value) <= sink._s.max_record_bytes
