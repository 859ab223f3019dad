"""Every field of the records a batch produces: scored leads and dead letters."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from schemas.errors import RejectReason
from schemas.leads import Bucket, Variant
from scoring.buckets import BucketThresholds
from scoring.scorer import BatchScorer, RawEvent

NOW_S = 1_700_000_000.25
NOW = datetime.fromtimestamp(NOW_S, UTC)


@pytest.fixture
def scorer(tiny_model):
    return BatchScorer(tiny_model, BucketThresholds(), 4096, clock=lambda: NOW_S)


def lead(i: int, **extra) -> bytes:
    return json.dumps({"lead_id": f"L{i}", "engagement_score": 10 * i, **extra}).encode()


def test_scored_lead_fields(scorer, tiny_model):
    events = [
        RawEvent(lead(1, event_id="ev-1", occurred_at="2025-01-02T03:04:05Z"), "t", 3, 40,
                 int(NOW_S * 1000) - 250),
        RawEvent(lead(2), "t", 4, 41, None),
        RawEvent(lead(3), "t", 5, 42, 0),
        RawEvent(lead(4), "t", 5, 43, int(NOW_S * 1000) + 5000),  # clock skew: never < 0
    ]
    result = scorer.score(events)
    assert not result.rejected and len(result.scored) == 4
    assert result.accepted.events == events and list(result.scores) == [
        s.score for s in result.scored]
    assert 0.0 <= result.model_seconds < 5.0
    first = result.scored[0]
    assert (first.lead_id, first.event_id) == ("L1", "ev-1")
    assert first.occurred_at == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert first.scored_at == NOW
    assert (first.model_name, first.model_version, first.model_alias) == (
        "lead-scoring", "1", "champion")
    assert first.variant == Variant.CHAMPION and first.experiment_id is None
    assert (first.source_partition, first.source_offset) == (3, 40)
    assert first.latency_ms == pytest.approx(250.0)
    assert [s.latency_ms for s in result.scored[1:]] == [0.0, 0.0, 0.0]
    assert result.scored[1].event_id is None and result.scored[1].occurred_at is None
    expected = BucketThresholds().assign(result.scores)
    assert [s.bucket for s in result.scored] == expected
    assert all(isinstance(s.bucket, Bucket) for s in result.scored)
    assert [s.lead_id for s in result.scored] == ["L1", "L2", "L3", "L4"]


def test_a_timestamp_of_one_millisecond_counts(scorer):
    (s,) = scorer.score([RawEvent(lead(1), "t", 0, 0, 1)]).scored
    assert s.latency_ms == pytest.approx(NOW_S * 1000 - 1)


def test_dead_letter_fields(scorer):
    raw = b'{"lead_id": "B7", "engagement_score": 400}'
    (dead,) = scorer.score([RawEvent(raw, "leads.incoming", 2, 17, 123)]).rejected
    assert dead.reason is RejectReason.SCHEMA_VIOLATION and dead.lead_id == "B7"
    assert (dead.source_topic, dead.source_partition, dead.source_offset) == (
        "leads.incoming", 2, 17)
    assert dead.source_timestamp_ms == 123 and dead.rejected_at == NOW
    assert dead.payload() == raw and dead.payload_size == len(raw)
    assert [e.loc for e in dead.errors] == ["engagement_score"]
    assert dead.message.startswith("engagement_score: ")


def test_a_null_value_is_an_empty_invalid_payload(tiny_model):
    tight = BatchScorer(tiny_model, BucketThresholds(), 2, clock=lambda: NOW_S)
    (dead,) = tight.score([RawEvent(None, "t", 0, 1)]).rejected
    assert dead.reason is RejectReason.INVALID_JSON
    assert dead.payload() == b"" and dead.payload_size == 0 and dead.lead_id is None


@pytest.mark.parametrize(("raw", "lead_id"), [
    (b'{"lead_id": 42, "company_size": 0}', "42"),
    (b'{"lead_id": "", "company_size": 0}', None),
    (b'{"lead_id": null}', None),
    (b'{"lead_id": ["x"]}', None),
    (b'["L1"]', None),
    (b'{"lead_id": "' + b"x" * 300 + b'"}', "x" * 128),
])
def test_best_effort_lead_id_of_rejected_events(scorer, raw, lead_id):
    (dead,) = scorer.score([RawEvent(raw, "t", 0, 1)]).rejected
    assert dead.lead_id == lead_id
