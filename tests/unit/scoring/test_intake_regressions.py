"""Hostile ``leads.incoming`` values found by review and by the fuzzer, each pinned down:
the reason its dead letter gets, or how it is scored."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from schemas.errors import RejectReason
from schemas.leads import DeadLetter, as_utc
from scoring.intake import Intake, RawEvent, internal_error
from streams.kafka.sizes import dead_letter_record
from streams.scorer import records

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def intake(tiny_model) -> Intake:
    return Intake(tiny_model, 64 * 1024, 1024)


def one(intake: Intake, raw: bytes | None):
    accepted, rejected = intake.accept([RawEvent(raw, "leads.incoming", 0, 7)], NOW)
    assert len(accepted.leads) + len(rejected) == 1
    return (accepted.leads[0], accepted.batch) if accepted.leads else rejected[0]


def reason(intake: Intake, raw: bytes) -> tuple[RejectReason, str]:
    letter = one(intake, raw)
    assert isinstance(letter, DeadLetter), f"{raw[:60]!r} was accepted"
    return letter.reason, ",".join(e.loc for e in letter.errors)


def lead(**fields: object) -> bytes:
    return json.dumps({"lead_id": "L1", **fields}).encode()


def test_5000_levels_of_nesting_are_invalid_json_not_a_recursion_error(intake):
    deep = b"[" * 5000 + b"]" * 5000
    assert len(deep) == 10_000
    assert reason(intake, deep) == (RejectReason.INVALID_JSON, "")
    inside = b'{"lead_id": "L1", "notes": ' + deep + b"}"
    letter = one(intake, inside)
    assert letter.reason is RejectReason.INVALID_JSON and letter.lead_id is None


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00", "0001-01-01T00:00:00Z",
                                  "9999-12-31T23:59:59Z", "9999-12-31T23:59:59+00:00"])
def test_occurred_at_at_the_limits_of_utc_is_accepted_in_utc(intake, text):
    accepted, _batch = one(intake, lead(occurred_at=text))
    expected = datetime.fromisoformat(text.replace("Z", "")).replace(tzinfo=UTC)
    assert as_utc(accepted.occurred_at) == expected
    assert as_utc(accepted.occurred_at).utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00"])
def test_occurred_at_without_a_utc_form_is_a_schema_violation(intake, text):
    assert reason(intake, lead(occurred_at=text)) == (RejectReason.SCHEMA_VIOLATION,
                                                      "occurred_at")


def test_occurred_at_without_offset_is_utc_not_the_hosts_local_time(intake, monkeypatch):
    accepted, _ = one(intake, lead(occurred_at="2026-03-01T12:00:00"))
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert as_utc(accepted.occurred_at) == datetime(2026, 3, 1, 12, tzinfo=UTC)
        assert records._iso(accepted.occurred_at) == "2026-03-01T12:00:00Z"
        assert records._iso(as_utc(accepted.occurred_at)) == "2026-03-01T12:00:00Z"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_an_offset_time_is_written_in_utc(intake):
    accepted, _ = one(intake, lead(occurred_at="9999-12-31T23:59:59+05:00"))
    assert records._iso(accepted.occurred_at) == "9999-12-31T18:59:59Z"


@pytest.mark.parametrize("raw", [
    b'{"lead_id": "L1", "company_size": ' + b"9" * 309 + b"}",  # int feature, no max
    b'{"lead_id": "L1", "company_size": ' + b"9" * 400 + b"}",
    b'{"lead_id": "L1", "days_since_first_contact": 1.7e308}',  # float64 but not float32
    b'{"lead_id": "L1", "days_since_first_contact": 3.5e38}',
    b'{"lead_id": "L1", "company_size": 340282346638528859811704183484516925441}',
])
def test_numbers_beyond_float32_are_schema_violations_with_the_field(intake, raw):
    why, loc = reason(intake, raw)
    assert why is RejectReason.SCHEMA_VIOLATION
    assert loc in {"company_size", "days_since_first_contact"}


def test_the_largest_float32_is_scored_finite(intake):
    f32max = float(np.finfo(np.float32).max)
    _, batch = one(intake, lead(days_since_first_contact=f32max))
    j = intake.model.encoder.feature_names.index("days_since_first_contact")
    assert batch.matrix[0, j] == np.float32(f32max) and np.isfinite(batch.matrix[0, j])


def test_the_boolean_guard_runs_whenever_the_bytes_hold_a_boolean(intake):
    accepted, _ = one(intake, lead(industry="true", company_size=3))
    assert accepted.company_size == 3 and accepted.industry == "true"
    raw = b'{"lead_id": "L1", "industry": "false", "company_size": true}'
    assert reason(intake, raw) == (RejectReason.SCHEMA_VIOLATION, "company_size")


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_is_not_a_number(intake, value):
    assert reason(intake, lead(company_size=value)) == (RejectReason.SCHEMA_VIOLATION,
                                                        "company_size")
    assert reason(intake, lead(engagement_score=value))[0] is RejectReason.SCHEMA_VIOLATION


@pytest.mark.parametrize("text", ["NaN", "nan", "inf", "-Infinity"])
def test_nan_and_infinity_strings_are_schema_violations(intake, text):
    assert reason(intake, lead(engagement_score=text)) == (RejectReason.SCHEMA_VIOLATION,
                                                           "engagement_score")


def test_numeric_strings_are_still_read_as_numbers(intake):
    accepted, _ = one(intake, lead(company_size="12", engagement_score=" 55.5 "))
    assert accepted.company_size == 12 and accepted.engagement_score == 55.5


def test_a_duplicate_key_keeps_its_last_value(intake):
    accepted, _ = one(intake, b'{"lead_id": "first", "lead_id": "last"}')
    assert accepted.lead_id == "last"


def test_a_lone_surrogate_is_invalid_json_and_its_dead_letter_encodes(intake):
    letter = one(intake, b'{"lead_id": "\\ud800x", "industry": "a"}')
    assert letter.reason is RejectReason.INVALID_JSON
    assert letter.lead_id == "\\ud800x"  # escaped: the dead letter is valid UTF-8 JSON
    record = dead_letter_record("leads.deadletter", letter, None)
    assert DeadLetter.model_validate_json(record.value).lead_id == "\\ud800x"
    assert reason(intake, b'{"lead_id": "L1", "industry": "\\udc00"}')[0] is \
        RejectReason.INVALID_JSON


def test_a_surrogate_pair_is_a_valid_character(intake):
    accepted, _ = one(intake, b'{"lead_id": "\\ud83d\\ude00"}')
    assert accepted.lead_id == "\U0001f600"


def test_lead_id_lengths(intake):
    assert one(intake, lead(lead_id="x" * 128))[0].lead_id == "x" * 128
    assert reason(intake, lead(lead_id="x" * 129)) == (RejectReason.SCHEMA_VIOLATION,
                                                       "lead_id")
    assert reason(intake, lead(lead_id="   ")) == (RejectReason.SCHEMA_VIOLATION, "lead_id")


def test_non_utf8_bytes_are_invalid_json(intake):
    assert reason(intake, b'{"lead_id": "L\xff\xfe"}') == (RejectReason.INVALID_JSON, "")


def test_an_int_lead_id_beyond_pythons_digit_limit_leaves_the_letter_without_a_lead_id(
        intake):
    letter = one(intake, b'{"lead_id": ' + b"7" * 5000 + b"}")
    assert letter.reason in (RejectReason.SCHEMA_VIOLATION, RejectReason.INVALID_JSON)
    assert letter.lead_id is None


def test_a_huge_payload_keeps_a_prefix_its_size_and_its_sha256(intake):
    raw = lead(notes="n" * 900_000)
    letter = one(intake, raw)
    assert letter.reason is RejectReason.PAYLOAD_TOO_LARGE
    assert letter.payload_truncated and letter.payload_size == len(raw)
    assert base64.b64decode(letter.payload_b64) == raw[:1024]
    assert letter.payload_sha256 == hashlib.sha256(raw).hexdigest()
    assert len(dead_letter_record("d", letter, None).value) < 3 * 1024


def test_a_payload_within_the_limit_is_kept_whole(intake):
    raw = lead(notes="n" * 900)
    letter = one(intake, b"[" + raw + b"]")
    assert letter.payload() == b"[" + raw + b"]" and not letter.payload_truncated
    assert letter.payload_sha256 == hashlib.sha256(b"[" + raw + b"]").hexdigest()


def test_an_unexpected_error_while_validating_is_that_events_internal_error(intake,
                                                                           monkeypatch):
    real = intake.decoder.decode

    def flaky(raw):
        if b"boom" in raw:
            raise KeyError("secret-value")
        return real(raw)

    monkeypatch.setattr(intake.decoder, "decode", flaky)
    events = [RawEvent(lead(notes=n), "t", 0, i) for i, n in enumerate(["a", "boom", "b"])]
    accepted, rejected = intake.accept(events, NOW)
    assert [e.offset for e in accepted.events] == [0, 2]
    assert [(d.source_offset, d.reason) for d in rejected] == [(1, RejectReason.INTERNAL_ERROR)]
    assert rejected[0].message == "validate: KeyError: …" and "secret" not in rejected[0].message


def test_internal_error_messages_name_the_class_and_mask_values():
    err = internal_error(ValueError("could not convert 'ACME Corp' to 12345678"), "score")
    assert err.reason is RejectReason.INTERNAL_ERROR
    assert err.message == "score: ValueError: could not convert … to …"
    assert internal_error(OverflowError(), "encode").message == "encode: OverflowError"


def test_the_simulators_catalogue_gets_its_reasons(intake):
    from scoring.malformed import MALFORMED

    for raw, expected in MALFORMED:
        got = one(intake, raw)
        assert isinstance(got, DeadLetter) and got.reason is expected, (raw[:60], got)
