import base64
import json

import pytest

from schemas.errors import RejectedEvent, RejectReason
from schemas.export import export_schemas, topic_schemas
from schemas.leads import incoming_model, parse_incoming
from schemas.payload import payload_fields
from schemas.spec import load_spec

SPEC = load_spec()
MODEL = incoming_model(SPEC)


def parse(doc: object | bytes, limit: int = 4096):
    raw = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return parse_incoming(MODEL, raw, limit)


def reason_of(doc: object | bytes, limit: int = 4096) -> RejectReason:
    with pytest.raises(RejectedEvent) as info:
        parse(doc, limit)
    return info.value.reason


def test_a_flat_crm_event_is_accepted_with_lax_numbers_and_extra_fields():
    lead = parse({"lead_id": "L1", "company_size": "12", "engagement_score": 55.5,
                  "occurred_at": "2026-11-01T10:00:00Z", "crm_owner": "ana"})
    assert lead.lead_id == "L1" and lead.company_size == 12 and lead.engagement_score == 55.5
    assert lead.industry is None and lead.occurred_at.year == 2026


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (b"{not json", RejectReason.INVALID_JSON),
        (b"\xff\xfe\x00", RejectReason.INVALID_JSON),
        (b"", RejectReason.INVALID_JSON),
        ([1, 2], RejectReason.NOT_AN_OBJECT),
        ("just a string", RejectReason.NOT_AN_OBJECT),
        ({"company_size": 3}, RejectReason.SCHEMA_VIOLATION),
        ({"lead_id": ""}, RejectReason.SCHEMA_VIOLATION),
        ({"lead_id": "x", "engagement_score": 101}, RejectReason.SCHEMA_VIOLATION),
        ({"lead_id": "x", "company_size": 0}, RejectReason.SCHEMA_VIOLATION),
        ({"lead_id": "x", "company_size": 2.5}, RejectReason.SCHEMA_VIOLATION),
        ({"lead_id": "x", "website_visits": "many"}, RejectReason.SCHEMA_VIOLATION),
        ({"lead_id": "x", "days_since_first_contact": -1}, RejectReason.SCHEMA_VIOLATION),
        ({"lead_id": "x", "region": "r" * 201}, RejectReason.SCHEMA_VIOLATION),
        ({"lead_id": "x", "industry": 7}, RejectReason.SCHEMA_VIOLATION),
    ],
)
def test_bad_events_are_rejected_with_their_reason(doc, reason):
    assert reason_of(doc) is reason


def test_oversized_payloads_are_rejected_before_parsing():
    doc = {"lead_id": "x", "note": "a" * 5000}
    assert reason_of(doc, limit=1024) is RejectReason.PAYLOAD_TOO_LARGE


def test_schema_violations_name_every_bad_field():
    with pytest.raises(RejectedEvent) as info:
        parse({"lead_id": "x", "engagement_score": -3, "company_size": 0})
    locs = {e["loc"] for e in info.value.errors}
    assert locs == {"engagement_score", "company_size"}
    assert "engagement_score" in info.value.message


def test_dead_letter_keeps_the_original_bytes():
    raw = b"\x00\x01 not json"
    assert base64.b64decode(payload_fields(raw, 1024)["payload_b64"]) == raw


def test_every_topic_exports_a_json_schema(tmp_path):
    paths = export_schemas(SPEC, tmp_path)
    names = {p.name for p in paths}
    assert {"leads.incoming.schema.json", "leads.scored.schema.json",
            "leads.deadletter.schema.json"} <= names
    incoming = topic_schemas(SPEC)["leads.incoming"]
    assert incoming["required"] == ["lead_id"]
    assert incoming["properties"]["engagement_score"]["anyOf"][0]["maximum"] == 100
    for p in paths:
        assert json.loads(p.read_text())["x-kafka-key"]
