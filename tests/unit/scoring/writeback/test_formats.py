"""Each CRM's request and answer, against payloads written out by hand from its API docs."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from scoring.writeback import dynamics, hubspot, salesforce, webhook
from scoring.writeback.formats import FORMATS
from scoring.writeback.score import WritebackScore

T = datetime(2026, 3, 1, 12, 30, 5, tzinfo=UTC)
A = WritebackScore("00Q1", 0.874, "A", "lead-scoring", "7", "champion", T, 1, 10)
B = WritebackScore("00Q2", 0.12, "D", "lead-scoring", "8", "treatment", T, 2, 11)


def body(req) -> object:
    return json.loads(req.body)


def test_webhook_posts_every_score() -> None:
    req = webhook.request([A, B])
    assert (req.method, req.path) == ("POST", "")
    assert body(req) == {"scores": [
        {"lead_id": "00Q1", "score": 0.874, "score_100": 87, "grade": "A",
         "model_name": "lead-scoring", "model_version": "7", "variant": "champion",
         "scored_at": "2026-03-01T12:30:05Z"},
        {"lead_id": "00Q2", "score": 0.12, "score_100": 12, "grade": "D",
         "model_name": "lead-scoring", "model_version": "8", "variant": "treatment",
         "scored_at": "2026-03-01T12:30:05Z"}]}


def test_webhook_reads_per_lead_rejections_and_ignores_strangers() -> None:
    answer = webhook.answer([A, B], b'{"rejected": [{"lead_id": "00Q2", "reason": "closed"},'
                                    b' {"lead_id": "zzz"}]}')
    assert answer.rejected == {"00Q2": "closed"}
    assert webhook.answer([A], b"").rejected == {} and webhook.answer([A], b"<html>").rejected == {}


def test_dynamics_upserts_by_the_alternate_key() -> None:
    req = dynamics.request([A])
    assert req.method == "POST"
    assert req.path == "/api/data/v9.2/msdyn_predictivescores/Microsoft.Dynamics.CRM.UpsertMultiple"
    assert body(req) == {"Targets": [{
        "@odata.type": "Microsoft.Dynamics.CRM.msdyn_predictivescore",
        "msdyn_entityid": "00Q1", "msdyn_entitytype": "lead", "msdyn_score": 87,
        "msdyn_grade": "A", "msdyn_scoredon": "2026-03-01T12:30:05Z",
        "msdyn_name": "leadstream lead-scoring v7"}]}


def test_hubspot_batch_update_and_its_207_errors() -> None:
    req = hubspot.request([A, B])
    assert (req.method, req.path) == ("POST", "/crm/v3/objects/contacts/batch/update")
    assert body(req)["inputs"][1] == {"id": "00Q2", "properties": {
        "leadstream_score": "12", "leadstream_grade": "D",
        "leadstream_scored_at": "2026-03-01T12:30:05Z", "leadstream_model_version": "8"}}
    multi = json.dumps({"status": "COMPLETE", "results": [{"id": "00Q1"}], "errors": [
        {"status": "error", "category": "OBJECT_NOT_FOUND", "message": "Object not found",
         "context": {"ids": ["00Q2"]}}]}).encode()
    assert hubspot.answer([A, B], multi).rejected == {"00Q2": "Object not found"}


def test_salesforce_collections_patch_and_per_record_results() -> None:
    req = salesforce.request([A, B])
    assert (req.method, req.path) == ("PATCH", "/services/data/v60.0/composite/sobjects")
    doc = body(req)
    assert doc["allOrNone"] is False
    assert doc["records"][0] == {"attributes": {"type": "Lead"}, "id": "00Q1",
                                 "Leadstream_Score__c": 87, "Leadstream_Grade__c": "A",
                                 "Leadstream_Scored_At__c": "2026-03-01T12:30:05Z",
                                 "Leadstream_Model_Version__c": "7"}
    results = json.dumps([{"id": "00Q1", "success": True, "errors": []},
                          {"id": "00Q2", "success": False, "errors": [
                              {"statusCode": "ENTITY_IS_DELETED", "message": "deleted"}]}])
    assert salesforce.answer([A, B], results.encode()).rejected == {
        "00Q2": "ENTITY_IS_DELETED: deleted"}


def test_every_format_is_named_with_its_limit() -> None:
    assert set(FORMATS) == {"webhook", "dynamics", "hubspot", "salesforce"}
    assert FORMATS["hubspot"].max_batch == 100 and FORMATS["salesforce"].max_batch == 200


def test_rejections_without_words_get_a_default_and_long_words_are_cut_at_500() -> None:
    long = "x" * 600
    hub = json.dumps({"errors": [
        "not an error object",  # skipped, the errors after it still count
        {"context": {"ids": ["00Q1"]}},
        {"message": long, "context": {"ids": ["00Q2"]}}]}).encode()
    assert hubspot.answer([A, B], hub).rejected == {"00Q1": "rejected", "00Q2": "x" * 500}
    hook = json.dumps({"rejected": [{"lead_id": "00Q1"},
                                    {"lead_id": "00Q2", "reason": long}]}).encode()
    assert webhook.answer([A, B], hook).rejected == {"00Q1": "rejected", "00Q2": "x" * 500}
    sf = json.dumps([{"success": False, "errors": [{}]},
                     {"success": False, "errors": [{"statusCode": "E", "message": long}]}])
    assert salesforce.answer([A, B], sf.encode()).rejected == {
        "00Q1": "ERROR: ", "00Q2": ("E: " + long)[:500]}
    assert len(salesforce.answer([A, B], sf.encode()).rejected["00Q2"]) == 500


def test_salesforce_reads_a_short_answer_for_the_records_it_covers() -> None:
    # fewer results than records (a truncated answer): the first record's result counts,
    # the second is not rejected
    sf = json.dumps([{"success": False, "errors": [{"statusCode": "E", "message": "m"}]}])
    assert salesforce.answer([A, B], sf.encode()).rejected == {"00Q1": "E: m"}
