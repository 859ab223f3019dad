"""The ledger's compact rows read back as the entries written, in either format."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.ledger import LedgerEntry
from schemas.scored import Variant
from streams.stores import ledger_codec as codec
from streams.stores.ledger_rows import LedgerRows

_text = st.text(min_size=1, max_size=20)
_value = st.one_of(st.none(), st.integers(-2**53, 2**53), st.text(max_size=30),
                   st.floats(allow_nan=False, allow_infinity=False))
_entries = st.builds(
    LedgerEntry, lead_id=_text, model_name=_text, model_version=_text,
    variant=st.sampled_from(list(Variant)), experiment_id=st.none() | _text,
    score=st.floats(0, 1), event_id=st.none() | _text,
    features=st.dictionaries(st.text(min_size=1, max_size=12), _value, max_size=8),
    scored_at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                           timezones=st.just(UTC)))


@given(st.lists(_entries, min_size=1, max_size=5))
def test_rows_read_back_as_the_entries_written(entries):
    rows = LedgerRows.of_entries(entries)
    assert list(rows) == entries
    for value in rows.values:
        assert "\n" not in value  # the batch write splits values on newlines


def test_a_row_is_a_fraction_of_the_entry_json():
    features = {"lead_source": "referral", "industry": "software", "region": "emea",
                "company_size": 250, "engagement_score": 0.7312, "website_visits": 12,
                "email_opens": 5, "days_since_first_contact": 31}
    e = LedgerEntry(lead_id="syn-42-00000001", model_name="lead-scoring", model_version="1",
                    variant=Variant.CHAMPION, score=0.123456789012, features=features,
                    scored_at=datetime(2026, 12, 7, 13, 40, 0, 123456, tzinfo=UTC),
                    event_id="ev-syn-42-00000001")
    row = LedgerRows.of_entries([e]).values[0]
    assert len(row) <= 140 < 350 < len(e.model_dump_json())


def test_a_row_of_the_old_json_format_is_read_as_it_is():
    e = LedgerEntry(lead_id="l", model_name="m", model_version="3", variant=Variant.CONTROL,
                    experiment_id="x", score=0.5, features={"a": 1, "b": "z"},
                    scored_at=datetime(2026, 1, 2, tzinfo=UTC), event_id="ev")
    old = e.model_dump_json().encode()
    assert codec.layout_of(old) is None
    assert codec.entry("l", old, {}) == e


def test_fields_a_newer_writer_appends_are_ignored_and_a_missing_layout_raises():
    layout_id, body = codec.layout("m", ["a"])
    at = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    row = codec.row(layout_id, "1", Variant.TREATMENT, "x", "0.25", codec.micros(at), None,
                    "7", trailing=['"9"', "0.5"])
    assert len(json.loads(row)) == 11
    got = codec.entry("l", row, {layout_id: body})
    assert (got.variant, got.score, got.features, got.scored_at, got.experiment_id) == (
        Variant.TREATMENT, 0.25, {"a": 7}, at, "x")
    with pytest.raises(codec.LayoutMissing):
        codec.entry("l", row, {})


def test_micros_is_exact():
    at = datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    us = codec.micros(at)
    assert us == int((at - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))
    assert datetime.fromtimestamp(us // 10**6, UTC).replace(microsecond=us % 10**6) == at
