"""The one dead-letter payload helper: ``original`` keeps the bytes (bounded), ``hash``
keeps only their size and SHA-256 — for lead dead letters and agent dead letters alike."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from schemas.deadletters import RecordDeadLetter, RecordRejectReason
from schemas.errors import RejectedEvent, RejectReason
from schemas.leads import DeadLetter
from schemas.payload import PayloadPolicy, key_b64, payload_fields
from scoring.intake import RawEvent, dead_letter

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@given(st.binary(max_size=3000), st.integers(min_value=0, max_value=2000))
def test_original_keeps_the_first_limit_bytes_and_the_whole_values_digest(raw, limit):
    fields = payload_fields(raw, limit)
    assert base64.b64decode(fields["payload_b64"]) == raw[:limit]
    assert fields["payload_size"] == len(raw)
    assert fields["payload_sha256"] == hashlib.sha256(raw).hexdigest()
    assert fields["payload_truncated"] is (len(raw) > limit)


@given(st.binary(min_size=1, max_size=3000))
def test_hash_keeps_no_byte_only_size_and_digest(raw):
    fields = payload_fields(raw, 10**6, PayloadPolicy.HASH)
    assert fields["payload_b64"] == "" and fields["payload_truncated"] is False
    assert (fields["payload_size"], fields["payload_sha256"]) == (
        len(raw), hashlib.sha256(raw).hexdigest())
    assert fields["payload_policy"] is PayloadPolicy.HASH


def test_both_dead_letters_take_the_same_fields():
    raw = b'{"lead_id": "L1", "company": "Marker GmbH"}'
    agent = RecordDeadLetter(reason=RecordRejectReason.SCHEMA_VIOLATION, message="m",
                             agent="a", source_topic="t", rejected_at=NOW,
                             **payload_fields(raw, 100, PayloadPolicy.HASH))
    lead = DeadLetter(reason=RejectReason.SCHEMA_VIOLATION, message="m", source_topic="t",
                      source_partition=0, source_offset=1, rejected_at=NOW,
                      **payload_fields(raw, 100, PayloadPolicy.HASH))
    for letter in (agent, lead):
        text = letter.model_dump_json()
        assert "Marker" not in text and base64.b64encode(raw).decode() not in text
        assert letter.payload() == b"" and letter.payload_size == len(raw)


def test_a_hashed_lead_dead_letter_keeps_reason_and_field_errors_not_the_values():
    raw = b'{"lead_id": "L7", "engagement_score": "SECRETVALUE-42"}'
    error = RejectedEvent(RejectReason.SCHEMA_VIOLATION, "engagement_score: bad",
                          [{"loc": "engagement_score", "msg": "not a number", "type": "t"}])
    letter = dead_letter(RawEvent(raw, "leads.incoming", 0, 3), error, NOW, 1024,
                         PayloadPolicy.HASH)
    assert letter.errors[0].loc == "engagement_score" and letter.reason is error.reason
    assert "SECRETVALUE" not in letter.model_dump_json()
    assert letter.payload_sha256 == hashlib.sha256(raw).hexdigest()


def test_a_key_is_kept_up_to_its_limit():
    assert key_b64(None) is None
    assert base64.b64decode(key_b64(b"k" * 2000) or "") == b"k" * 1024


def test_original_names_its_policy():
    assert payload_fields(b"abc", 10)["payload_policy"] is PayloadPolicy.ORIGINAL
    assert set(payload_fields(b"abc", 10)) == set(payload_fields(b"abc", 10, PayloadPolicy.HASH))
