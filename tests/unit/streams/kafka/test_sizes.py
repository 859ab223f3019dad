"""The one size check of every produced record, against what the real producers refuse, and
dead letters that fit whatever the rejected record's key and value weigh."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from confluent_kafka import KafkaException, Producer

from schemas.deadletters import RecordDeadLetter, RecordRejectReason
from schemas.errors import RejectReason
from schemas.leads import DeadLetter
from schemas.payload import KEY_KEPT_BYTES, payload_fields
from streams.kafka.io import MAX_RECORD_BYTES, OutRecord
from streams.kafka.reader import produce_one
from streams.kafka.sizes import (
    RecordTooLarge,
    check_record,
    check_sizes,
    dead_letter_record,
    letter_record,
    record_size,
)
from streams.settings import Settings

LIMIT = 10_000
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def producer():
    """librdkafka checks ``message.max.bytes`` in ``produce`` itself: no broker needed."""
    p = Producer({"bootstrap.servers": "127.0.0.1:1", "message.max.bytes": LIMIT,
                  "queue.buffering.max.kbytes": 1_048_576, "log_level": 0})
    yield p
    p.purge()


def librdkafka_accepts(producer: Producer, key, value, headers=None) -> bool:
    try:
        producer.produce("t", value, key, headers=headers)
        return True
    except KafkaException:
        return False


HEADERS = [None, [("h", b"x" * 50)], [("a", b"1"), ("a", b"2"), ("é" * 20, None)]]


@pytest.mark.parametrize("headers", HEADERS)
def test_what_the_check_accepts_the_producers_accept(producer, headers):
    """The largest record the check passes is produced by librdkafka and within aiokafka's
    estimate; one byte more is refused by the check."""
    key = b"k" * 100
    spare = LIMIT - record_size(key, b"", headers)
    value = b"v" * spare
    check_record("t", key, value, LIMIT, headers)
    assert librdkafka_accepts(producer, key, value, headers)
    assert DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, headers or []) <= LIMIT
    with pytest.raises(RecordTooLarge, match=f"t record of {LIMIT + 1} bytes"):
        check_record("t", key, value + b"v", LIMIT, headers)


def test_check_counts_key_value_and_headers():
    base = record_size(None, None)
    assert record_size(b"k" * 10, b"v" * 90) == base + 100
    assert record_size(b"k", b"v", [("ab", b"xyz"), ("ab", None)]) > base + 2 + 2 + 3 + 2
    check_sizes([OutRecord("t", b"k" * 10, b"v" * 90)], base + 100)
    with pytest.raises(RecordTooLarge):
        check_sizes([OutRecord("t", b"k" * 11, b"v" * 90)], base + 100)


def _letter(value: bytes) -> DeadLetter:
    return DeadLetter(reason=RejectReason.PAYLOAD_TOO_LARGE, message="too large",
                      **payload_fields(value, 256 * 1024), source_topic="leads.incoming",
                      source_partition=0, source_offset=7, rejected_at=NOW)


def test_the_poison_pill_dead_letter_fits_with_a_capped_key():
    """The issue's record: a 700,000-byte key and a 290 KB value (990 KB, which the broker
    accepts) made a 1,049,952-byte dead letter; now it fits with the key's first 1 KB."""
    key, value = bytes(range(256)) * 2735, b'{"lead_id": "x", "n": "' + b"n" * 290_000 + b'"}'
    assert len(key) > 700_000
    record = dead_letter_record("leads.deadletter", _letter(value), key)
    assert record.key == key[:KEY_KEPT_BYTES]
    check_record(record.topic, record.key, record.value, MAX_RECORD_BYTES)
    letter = DeadLetter.model_validate_json(record.value)
    assert letter.key_size == len(key)
    assert letter.key_sha256 == hashlib.sha256(key).hexdigest()
    assert letter.payload() == value[:256 * 1024] and letter.payload_size == len(value)


def test_a_record_without_key_has_no_key_fields():
    record = dead_letter_record("d", _letter(b"{}"), None)
    letter = DeadLetter.model_validate_json(record.value)
    assert record.key is None and letter.key_size is None and letter.key_sha256 is None


def test_a_letter_over_the_limit_goes_without_the_bytes_but_with_size_and_digest():
    value = b"v" * 200_000
    record = dead_letter_record("d", _letter(value), b"k" * 5000, limit=100_000)
    assert record_size(record.key, record.value) <= 100_000
    letter = DeadLetter.model_validate_json(record.value)
    assert letter.payload_b64 == "" and letter.payload_truncated
    assert letter.payload_size == len(value)
    assert letter.payload_sha256 == hashlib.sha256(value).hexdigest()
    assert letter.key_size == 5000 and len(record.key or b"") == KEY_KEPT_BYTES


def test_an_agents_letter_is_capped_the_same_way():
    key = b"\xff" * 3000
    letter = RecordDeadLetter(reason=RecordRejectReason.INVALID_JSON, message="m", agent="a",
                              source_topic="leads.outcomes", key_b64=base64.b64encode(key[:1024])
                              .decode(), **payload_fields(b"x" * 90_000, 64 * 1024),
                              rejected_at=NOW)
    record = letter_record("d", letter, key, 50_000)
    assert record.key == key[:KEY_KEPT_BYTES] and record_size(record.key, record.value) <= 50_000
    assert RecordDeadLetter.model_validate_json(record.value).payload_truncated
    with pytest.raises(RecordTooLarge):
        letter_record("d", letter, key, 1_000)


def test_the_cli_producer_checks_the_size_before_it_connects():
    """``produce_one`` (control and erasure requests, reports) refuses an oversized record
    before any broker is asked: none listens on this address."""
    settings = Settings(_env_file=None, bootstrap_servers="127.0.0.1:1",
                        kafka_extra={"message.max.bytes": "10000"})
    with pytest.raises(RecordTooLarge, match=r"models\.control\.requests record of"):
        produce_one(settings, "models.control.requests", "k" * 100, b"v" * 10_000,
                    timeout_s=0.1)
