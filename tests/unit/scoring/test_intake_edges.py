"""Lead validation at its edges: the size limit, non-finite numbers, the order of checks.

Every expected reason is the one the contract promises (``schemas.errors.RejectReason``)
for an input built by hand. The incoming model is rebuilt from the spec here (its cache is
cleared), so what is checked is the contract the spec defines now.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from schemas.errors import RejectReason
from schemas.leads import incoming_model
from schemas.spec import load_spec
from scoring.intake import Intake, RawEvent

LIMIT = 256
NOW = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def scorer(tiny_model):
    incoming_model.cache_clear()
    return Intake(tiny_model, LIMIT)


def padded(size: int) -> bytes:
    """A valid lead event of exactly ``size`` bytes (padding in an ignored attribute)."""
    head = b'{"lead_id": "L1", "note": "'
    raw = head + b"x" * (size - len(head) - 2) + b'"}'
    assert len(raw) == size and json.loads(raw)["lead_id"] == "L1"
    return raw


def outcome(scorer: Intake, raw: bytes | None) -> str:
    accepted, rejected = scorer.accept([RawEvent(raw, "leads.incoming", 0, 7, 1_000)],
                                       NOW)
    assert len(accepted.leads) + len(rejected) == 1
    return "scored" if accepted.leads else rejected[0].reason.value


def test_an_event_of_exactly_the_limit_is_accepted(scorer):
    assert outcome(scorer, padded(LIMIT)) == "scored"
    assert outcome(scorer, padded(LIMIT - 1)) == "scored"


def test_one_byte_over_the_limit_is_too_large(scorer):
    assert outcome(scorer, padded(LIMIT + 1)) == RejectReason.PAYLOAD_TOO_LARGE


def test_invalid_json_over_the_limit_is_rejected_as_too_large_before_parsing(scorer):
    broken = b'{"lead_id": "L1", "note": "' + b"x" * LIMIT  # unterminated: not JSON
    with pytest.raises(ValueError):
        json.loads(broken)
    assert outcome(scorer, broken) == RejectReason.PAYLOAD_TOO_LARGE
    not_utf8 = b"\xff" * (LIMIT + 10)
    assert outcome(scorer, not_utf8) == RejectReason.PAYLOAD_TOO_LARGE
    # the same broken JSON under the limit is what it is: invalid JSON
    assert outcome(scorer, broken[:LIMIT - 10]) == RejectReason.INVALID_JSON


def test_the_dead_letter_of_a_too_large_event_keeps_its_bytes(scorer):
    raw = padded(LIMIT + 50)
    (dead,) = scorer.accept([RawEvent(raw, "leads.incoming", 2, 9, 5)], NOW)[1]
    assert dead.payload() == raw and dead.payload_size == LIMIT + 50
    assert (dead.source_partition, dead.source_offset, dead.source_timestamp_ms) == (2, 9, 5)
    assert dead.message == f"payload is {LIMIT + 50} bytes, limit {LIMIT}"
    assert dead.lead_id == "L1"


@pytest.mark.parametrize("literal", ["Infinity", "-Infinity", "NaN", "1e999"])
def test_non_finite_numbers_are_schema_violations(scorer, literal):
    # days_since_first_contact has a lower bound only, so only finiteness can reject +inf
    raw = b'{"lead_id": "L1", "days_since_first_contact": ' + literal.encode() + b"}"
    assert outcome(scorer, raw) == RejectReason.SCHEMA_VIOLATION


def test_finite_numbers_in_range_are_accepted(scorer):
    raw = b'{"lead_id": "L1", "days_since_first_contact": 1e6, "engagement_score": 100}'
    assert outcome(scorer, raw) == "scored"


@pytest.mark.parametrize(("doc", "field"), [
    ({"engagement_score": 100.5}, "engagement_score"),   # above max
    ({"engagement_score": -0.1}, "engagement_score"),    # below min
    ({"company_size": 0}, "company_size"),               # below min (int)
    ({"company_size": 2.5}, "company_size"),             # not an int
    ({"website_visits": -1}, "website_visits"),
    ({"industry": "x" * 201}, "industry"),               # max_length is 200
])
def test_each_bound_of_the_spec_is_enforced(scorer, doc, field):
    raw = json.dumps({"lead_id": "L1", **doc}).encode()
    (dead,) = scorer.accept([RawEvent(raw, "leads.incoming", 0, 1)], NOW)[1]
    assert dead.reason is RejectReason.SCHEMA_VIOLATION
    assert [e.loc for e in dead.errors] == [field]


def test_optional_features_may_be_absent_or_null(scorer):
    spec = load_spec()
    doc = {"lead_id": "L1", **{f.name: None for f in spec.features}}
    assert outcome(scorer, json.dumps(doc).encode()) == "scored"
    assert outcome(scorer, b'{"lead_id": "L1"}') == "scored"
