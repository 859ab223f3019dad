"""Every field of a dead letter the intake builds (scored records: streams/scorer/records)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from schemas.errors import RejectReason
from scoring.intake import Intake, RawEvent

NOW_S = 1_700_000_000.25
NOW = datetime.fromtimestamp(NOW_S, UTC)


@pytest.fixture
def scorer(tiny_model):
    return Intake(tiny_model, 4096)


def lead(i: int, **extra) -> bytes:
    return json.dumps({"lead_id": f"L{i}", "engagement_score": 10 * i, **extra}).encode()


def test_dead_letter_fields(scorer):
    raw = b'{"lead_id": "B7", "engagement_score": 400}'
    (dead,) = scorer.accept([RawEvent(raw, "leads.incoming", 2, 17, 123)], NOW)[1]
    assert dead.reason is RejectReason.SCHEMA_VIOLATION and dead.lead_id == "B7"
    assert (dead.source_topic, dead.source_partition, dead.source_offset) == (
        "leads.incoming", 2, 17)
    assert dead.source_timestamp_ms == 123 and dead.rejected_at == NOW
    assert dead.payload() == raw and dead.payload_size == len(raw)
    assert [e.loc for e in dead.errors] == ["engagement_score"]
    assert dead.message.startswith("engagement_score: ")


def test_a_null_value_is_an_empty_invalid_payload(tiny_model):
    tight = Intake(tiny_model, 2)
    (dead,) = tight.accept([RawEvent(None, "t", 0, 1)], NOW)[1]
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
    (dead,) = scorer.accept([RawEvent(raw, "t", 0, 1)], NOW)[1]
    assert dead.lead_id == lead_id
