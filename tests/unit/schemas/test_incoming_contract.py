"""The incoming contract a spec defines: required features, documented fields, messages."""

from __future__ import annotations

import json

import pytest

from schemas.errors import RejectedEvent, RejectReason
from schemas.leads import incoming_model, parse_incoming
from schemas.scored import ScoredLead
from schemas.spec import CategoricalFeature, FeatureSpec, NumericFeature, load_spec
from schemas.topics import REGISTRY, TopicSpec, register

STRICT = FeatureSpec(name="strict", features=[
    NumericFeature(name="size", dtype="int", min=1, missing="reject", description="Staff."),
    CategoricalFeature(name="tier", missing="reject", description="Account tier."),
    CategoricalFeature(name="zone", description="Sales zone."),
])


def model_of(spec: FeatureSpec):
    incoming_model.cache_clear()  # build the contract from the spec now, not from a cache
    return incoming_model(spec)


def reject(model, doc) -> RejectedEvent:
    raw = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    with pytest.raises(RejectedEvent) as info:
        parse_incoming(model, raw, 10_000)
    return info.value


def test_required_features_must_be_present_and_non_empty():
    m = model_of(STRICT)
    ok = parse_incoming(m, b'{"lead_id": "L", "size": 3, "tier": "a"}', 10_000)
    assert (ok.size, ok.tier, ok.zone) == (3, "a", None)
    for doc, loc in (({"lead_id": "L", "tier": "a"}, "size"),
                     ({"lead_id": "L", "size": 3}, "tier"),
                     ({"lead_id": "L", "size": 3, "tier": ""}, "tier"),
                     ({"lead_id": "L", "size": None, "tier": "a"}, "size")):
        err = reject(m, doc)
        assert err.reason is RejectReason.SCHEMA_VIOLATION
        assert [e["loc"] for e in err.errors] == [loc]


def test_the_json_schema_documents_every_feature():
    schema = model_of(STRICT).model_json_schema()
    props = schema["properties"]
    assert (props["size"]["description"], props["tier"]["description"],
            props["zone"]["description"]) == ("Staff.", "Account tier.", "Sales zone.")
    assert set(schema["required"]) == {"lead_id", "size", "tier"}
    assert props["tier"]["minLength"] == 1
    default = model_of(load_spec()).model_json_schema()["properties"]
    assert default["engagement_score"]["description"] == (
        "Marketing-automation engagement score, 0-100.")


def test_messages_of_each_reason():
    m = model_of(load_spec())
    assert reject(m, b"{broken").message == "value is not valid JSON"
    assert reject(m, b"[1]").message == "value must be a JSON object"
    err = reject(m, {"lead_id": "L", "company_size": 0, "engagement_score": -1})
    assert err.message == ("company_size: Input should be greater than or equal to 1; "
                           "engagement_score: Input should be greater than or equal to 0")
    assert str(err) == err.message


def test_the_summary_names_at_most_five_problems_but_errors_keep_all():
    m = model_of(load_spec())
    err = reject(m, {"lead_id": "L", "company_size": 0, "engagement_score": -1,
                     "website_visits": -1, "email_opens": -1, "days_since_first_contact": -1,
                     "industry": "x" * 201})
    assert len(err.errors) == 6 and err.message.count("; ") == 4
    assert all(set(e) == {"loc", "msg", "type"} for e in err.errors)


def test_register_adds_the_topic_to_the_registry():
    topic = TopicSpec("test.only", "k", 1, ScoredLead)
    try:
        assert register(topic) is topic and REGISTRY["test.only"] is topic
    finally:
        REGISTRY.pop("test.only", None)
