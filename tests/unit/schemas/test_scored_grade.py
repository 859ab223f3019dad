"""``leads.scored``: a grade and reasons on every record; records from before grades
(``bucket``) still validate, with the grade of the same rank."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from schemas.scored import ScoredLead

BASE = {"lead_id": "L1", "score": 0.55, "model_name": "m", "model_version": "1",
        "model_alias": "champion", "scored_at": "2026-01-01T00:00:00Z", "latency_ms": 1.0,
        "source_partition": 0, "source_offset": 7}


@pytest.mark.parametrize(("bucket", "grade"), [("Hot", "A"), ("Warm", "B"), ("Cool", "C"),
                                               ("Cold", "D")])
def test_a_legacy_bucket_record_gets_the_grade_of_the_same_rank(bucket, grade) -> None:
    lead = ScoredLead.model_validate_json(json.dumps({**BASE, "bucket": bucket}))
    assert lead.grade == grade and lead.reasons == [] and lead.reasons_method is None


def test_legacy_buckets_map_onto_the_readers_grade_names() -> None:
    raw = json.dumps({**BASE, "bucket": "Cool"})
    names = {"grades": ("Top", "Mid", "Low")}
    assert ScoredLead.model_validate_json(raw, context=names).grade == "Low"
    assert ScoredLead.model_validate_json(json.dumps({**BASE, "bucket": "Hot"}),
                                          context=names).grade == "Top"


def test_an_unknown_bucket_or_no_grade_at_all_is_invalid() -> None:
    with pytest.raises(ValidationError, match="'Lukewarm' is not one of"):
        ScoredLead.model_validate_json(json.dumps({**BASE, "bucket": "Lukewarm"}))
    with pytest.raises(ValidationError, match="grade"):
        ScoredLead.model_validate_json(json.dumps(BASE))


def test_a_grade_wins_over_a_stale_bucket_and_reasons_are_typed() -> None:
    reasons = [{"feature": "engagement_score", "value": 87, "label": "Engagement score",
                "direction": "+", "weight": 0.42}]
    lead = ScoredLead.model_validate_json(json.dumps(
        {**BASE, "grade": "B", "bucket": "Cold", "reasons": reasons,
         "reasons_method": "exact"}))
    assert lead.grade == "B" and lead.reasons[0].value == 87
    assert isinstance(lead.reasons[0].value, int)
    with pytest.raises(ValidationError, match="direction"):
        ScoredLead.model_validate_json(json.dumps(
            {**BASE, "grade": "B", "reasons": [{**reasons[0], "direction": "up"}]}))
