"""Generated hostile input for the ``leads.incoming`` decoder (:meth:`Intake.accept`):
every event gets exactly one outcome, never an exception, and every dead letter fits."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from schemas.leads import DeadLetter
from scoring.intake import Intake, RawEvent
from streams.kafka.sizes import dead_letter_record
from streams.scorer import records
from tests.strategies.hostile import arbitrary_bytes, arbitrary_json
from tests.strategies.leads import hostile_event, near_valid_event

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LETTER_PAYLOAD = 8 * 1024
MAX_RECORD = 4 * LETTER_PAYLOAD  # base64 (4/3) plus the letter's own fields fit easily

pytestmark = pytest.mark.fuzz


def check_outcomes(intake: Intake, values: list[bytes | None]) -> None:
    events = [RawEvent(v, "leads.incoming", 0, i, 1_000) for i, v in enumerate(values)]
    accepted, rejected = intake.accept(events, NOW)
    outcomes = sorted([e.offset for e in accepted.events] + [d.source_offset for d in rejected])
    assert outcomes == list(range(len(values)))
    assert len(accepted.batch) == len(accepted.leads) == len(accepted.events)
    assert not np.isinf(accepted.batch.matrix).any()
    for lead in accepted.leads:
        assert records._iso(lead.occurred_at) is None or records._iso(lead.occurred_at)[-1] == "Z"
        event("scored")
    for letter in rejected:
        event(letter.reason.value)
        record = dead_letter_record("leads.deadletter", letter, None)
        assert len(record.value) <= MAX_RECORD
        again = DeadLetter.model_validate_json(record.value)
        original = values[letter.source_offset] or b""
        assert again.payload_size == len(original)
        if again.payload_truncated:
            assert original.startswith(again.payload()) and len(again.payload()) == LETTER_PAYLOAD
            assert again.payload_sha256 == hashlib.sha256(original).hexdigest()
        else:
            assert again.payload() == original


@pytest.fixture(scope="module")
def intake(tiny_model) -> Intake:
    return Intake(tiny_model, 64 * 1024, LETTER_PAYLOAD)


@given(values=st.lists(arbitrary_bytes(), min_size=1, max_size=6))
def test_arbitrary_bytes(intake: Intake, values: list) -> None:
    check_outcomes(intake, values)


@given(values=st.lists(arbitrary_json(), min_size=1, max_size=6))
def test_arbitrary_json(intake: Intake, values: list) -> None:
    check_outcomes(intake, values)


@given(data=st.data())
def test_near_valid_events(intake: Intake, data: st.DataObject) -> None:
    values = data.draw(st.lists(near_valid_event(intake.model.spec), min_size=1, max_size=6))
    check_outcomes(intake, values)


@given(data=st.data())
def test_any_mix(intake: Intake, data: st.DataObject) -> None:
    values = data.draw(st.lists(hostile_event(intake.model.spec), min_size=1, max_size=10))
    check_outcomes(intake, values)
