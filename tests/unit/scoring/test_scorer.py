import base64
import json

import numpy as np
import pytest

from schemas.errors import RejectReason
from scoring.buckets import BucketThresholds
from scoring.scorer import BatchScorer, RawEvent

from .conftest import random_columns


def events_for(columns: dict[str, list], start: int = 0) -> list[RawEvent]:
    n = len(next(iter(columns.values())))
    out = []
    for i in range(n):
        doc = {"lead_id": f"L{start + i}", **{k: v[i] for k, v in columns.items()}}
        out.append(RawEvent(json.dumps(doc).encode(), "leads.incoming", 0, start + i, 1_000))
    return out


@pytest.fixture
def scorer(tiny_model):
    return BatchScorer(tiny_model, BucketThresholds(), 4096, clock=lambda: 2.0)


def test_scores_equal_offline_predictions(scorer, tiny_model):
    columns = random_columns(300, seed=7)
    result = scorer.score(events_for(columns))
    offline = tiny_model.predict(tiny_model.encoder.encode_columns(columns).matrix)
    assert not result.rejected
    np.testing.assert_allclose([s.score for s in result.scored], offline, rtol=1e-6)
    first = result.scored[0]
    assert (first.lead_id, first.model_version, first.model_alias) == ("L0", "1", "champion")
    assert first.latency_ms == pytest.approx(1000.0)
    assert first.bucket == BucketThresholds().assign(offline[:1])[0]


def test_every_event_ends_in_exactly_one_output(scorer):
    good = events_for(random_columns(5, seed=1))
    bad = [
        RawEvent(None, "leads.incoming", 0, 100),
        RawEvent(b"{oops", "leads.incoming", 0, 101),
        RawEvent(b'{"lead_id": "B", "engagement_score": 400}', "leads.incoming", 0, 102),
        RawEvent(b'{"lead_id": "C", "x": "' + b"a" * 5000 + b'"}', "leads.incoming", 0, 103),
    ]
    mixed = [good[0], bad[0], good[1], bad[1], bad[2], good[2], bad[3], good[3], good[4]]
    result = scorer.score(mixed)
    offsets = sorted([s.source_offset for s in result.scored] +
                     [d.source_offset for d in result.rejected])
    assert offsets == sorted(e.offset for e in mixed)
    reasons = {d.source_offset: d.reason for d in result.rejected}
    assert reasons == {100: RejectReason.INVALID_JSON, 101: RejectReason.INVALID_JSON,
                       102: RejectReason.SCHEMA_VIOLATION, 103: RejectReason.PAYLOAD_TOO_LARGE}
    by_offset = {d.source_offset: d for d in result.rejected}
    assert by_offset[102].lead_id == "B"
    assert base64.b64decode(by_offset[101].payload_b64) == b"{oops"


def test_an_all_bad_batch_scores_nothing_and_does_not_fail(scorer):
    result = scorer.score([RawEvent(b"[]", "t", 1, 5)])
    assert result.scored == [] and len(result.rejected) == 1
    assert result.rejected[0].reason is RejectReason.NOT_AN_OBJECT
