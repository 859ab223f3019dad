import base64
import json
from datetime import UTC, datetime

import numpy as np
import pytest

from schemas.errors import RejectReason
from scoring.intake import Intake, RawEvent

from .conftest import random_columns

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def events_for(columns: dict[str, list], start: int = 0) -> list[RawEvent]:
    n = len(next(iter(columns.values())))
    out = []
    for i in range(n):
        doc = {"lead_id": f"L{start + i}", **{k: v[i] for k, v in columns.items()}}
        out.append(RawEvent(json.dumps(doc).encode(), "leads.incoming", 0, start + i, 1_000))
    return out


@pytest.fixture
def intake(tiny_model):
    return Intake(tiny_model, 4096)


def test_accepted_leads_encode_as_the_offline_columns(intake, tiny_model):
    columns = random_columns(300, seed=7)
    accepted, rejected = intake.accept(events_for(columns), NOW)
    offline = tiny_model.encoder.encode_columns(columns).matrix
    assert not rejected
    np.testing.assert_array_equal(accepted.batch.matrix, offline)
    np.testing.assert_allclose(tiny_model.predict(accepted.batch.matrix),
                               tiny_model.predict(offline), rtol=1e-6)
    assert [lead.lead_id for lead in accepted.leads] == [f"L{i}" for i in range(300)]


def test_every_event_ends_in_exactly_one_output(intake):
    good = events_for(random_columns(5, seed=1))
    bad = [
        RawEvent(None, "leads.incoming", 0, 100),
        RawEvent(b"{oops", "leads.incoming", 0, 101),
        RawEvent(b'{"lead_id": "B", "engagement_score": 400}', "leads.incoming", 0, 102),
        RawEvent(b'{"lead_id": "C", "x": "' + b"a" * 5000 + b'"}', "leads.incoming", 0, 103),
    ]
    mixed = [good[0], bad[0], good[1], bad[1], bad[2], good[2], bad[3], good[3], good[4]]
    accepted, rejected = intake.accept(mixed, NOW)
    offsets = sorted([e.offset for e in accepted.events] + [d.source_offset for d in rejected])
    assert offsets == sorted(e.offset for e in mixed)
    reasons = {d.source_offset: d.reason for d in rejected}
    assert reasons == {100: RejectReason.INVALID_JSON, 101: RejectReason.INVALID_JSON,
                       102: RejectReason.SCHEMA_VIOLATION, 103: RejectReason.PAYLOAD_TOO_LARGE}
    by_offset = {d.source_offset: d for d in rejected}
    assert by_offset[102].lead_id == "B"
    assert base64.b64decode(by_offset[101].payload_b64) == b"{oops"
    assert all(d.rejected_at == NOW for d in rejected)


def test_an_all_bad_batch_accepts_nothing_and_does_not_fail(intake):
    accepted, rejected = intake.accept([RawEvent(b"[]", "t", 1, 5)], NOW)
    assert accepted.leads == [] and accepted.batch.matrix.shape[0] == 0 and len(rejected) == 1
    assert rejected[0].reason is RejectReason.NOT_AN_OBJECT
