"""Each CRM's request and answer, against payloads written out by hand from its API docs."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from schemas.scored import Reason, ScoredLead
from scoring.grades import GradeScale
from scoring.writeback import dynamics, hubspot, salesforce, webhook
from scoring.writeback.formats import FORMATS
from scoring.writeback.score import WritebackScore

T = datetime(2026, 3, 1, 12, 30, 5, tzinfo=UTC)
WHY = (Reason(feature="time_on_site", value=1640.0, label="Time on website", direction="+",
              weight=1.48),
       Reason(feature="source", value="google", label="Lead source", direction="+", weight=0.16),
       Reason(feature="visits", value=None, label="Total visits", direction="-", weight=-0.26))
A = WritebackScore("00Q1", 0.874, "A", "lead-scoring", "7", "champion", T, 1, 10, 0,
                   "improving", WHY)
B = WritebackScore("00Q2", 0.12, "D", "lead-scoring", "8", "treatment", T, 2, 11, 3, None)
A_TEXT = "+ Time on website: 1640; + Lead source: google; - Total visits: missing"


def body(req) -> object:
    return json.loads(req.body)


def test_webhook_posts_every_score() -> None:
    req = webhook.request([A, B])
    assert (req.method, req.path) == ("POST", "")
    assert body(req) == {"scores": [
        {"lead_id": "00Q1", "score": 0.874, "score_100": 87, "grade": "A",
         "trend": "improving", "reasons": [
             {"feature": "time_on_site", "value": 1640.0, "label": "Time on website",
              "direction": "+", "weight": 1.48},
             {"feature": "source", "value": "google", "label": "Lead source",
              "direction": "+", "weight": 0.16},
             {"feature": "visits", "value": None, "label": "Total visits",
              "direction": "-", "weight": -0.26}],
         "model_name": "lead-scoring", "model_version": "7", "variant": "champion",
         "scored_at": "2026-03-01T12:30:05Z"},
        {"lead_id": "00Q2", "score": 0.12, "score_100": 12, "grade": "D",
         "trend": None, "reasons": [], "model_name": "lead-scoring", "model_version": "8",
         "variant": "treatment",
         "scored_at": "2026-03-01T12:30:05Z"}]}


def test_webhook_reads_per_lead_rejections_and_ignores_strangers() -> None:
    answer = webhook.answer([A, B], b'{"rejected": [{"lead_id": "00Q2", "reason": "closed"},'
                                    b' {"lead_id": "zzz"}]}')
    assert answer.rejected == {"00Q2": "closed"}
    assert webhook.answer([A], b"").rejected == {} and webhook.answer([A], b"<html>").rejected == {}


def test_dynamics_upserts_by_the_alternate_key() -> None:
    req = dynamics.request([A, B])
    assert req.method == "POST"
    assert req.path == "/api/data/v9.2/msdyn_predictivescores/Microsoft.Dynamics.CRM.UpsertMultiple"
    # msdyn_grade and msdyn_scoretrend are choice columns (Dataverse table reference):
    # Grade A..D = 0..3; Improving 0, Steady 1, Declining 2, Not enough info 3
    assert body(req) == {"Targets": [{
        "@odata.type": "Microsoft.Dynamics.CRM.msdyn_predictivescore",
        "msdyn_entityid": "00Q1", "msdyn_entitytype": "lead", "msdyn_score": 87,
        "msdyn_grade": 0, "msdyn_scoretrend": 0, "msdyn_scorereasons": A_TEXT,
        "msdyn_scoredon": "2026-03-01T12:30:05Z",
        "msdyn_name": "leadstream lead-scoring v7"}, {
        "@odata.type": "Microsoft.Dynamics.CRM.msdyn_predictivescore",
        "msdyn_entityid": "00Q2", "msdyn_entitytype": "lead", "msdyn_score": 12,
        "msdyn_grade": 3, "msdyn_scoretrend": 3, "msdyn_scorereasons": "",
        "msdyn_scoredon": "2026-03-01T12:30:05Z",
        "msdyn_name": "leadstream lead-scoring v8"}]}


def test_dynamics_choices_for_every_trend_and_a_longer_scale() -> None:
    trends = {"improving": 0, "steady": 1, "declining": 2, "new": 3, None: 3}
    for trend, choice in trends.items():
        s = WritebackScore("L", 0.5, "B", "m", "1", "champion", T, 0, 1, 1, trend)
        assert body(dynamics.request([s]))["Targets"][0]["msdyn_scoretrend"] == choice
    five = GradeScale(("A", "B", "C", "D", "E"), (0.9, 0.7, 0.5, 0.2, 0.0))
    lead = ScoredLead(lead_id="L", score=0.1, grade="E", model_name="m", model_version="1",
                      model_alias="champion", scored_at=T, latency_ms=1.0,
                      source_partition=0, source_offset=1)
    e = WritebackScore.of(lead, 0, 1, five)
    assert e.grade_rank == 4 and body(dynamics.request([e]))["Targets"][0]["msdyn_grade"] == 3
    stranger = WritebackScore.of(lead, 0, 1)  # "E" is not in the default A-D scale
    assert stranger.grade_rank is None
    assert body(dynamics.request([stranger]))["Targets"][0]["msdyn_grade"] is None


def test_hubspot_batch_update_and_its_207_errors() -> None:
    req = hubspot.request([A, B])
    assert (req.method, req.path) == ("POST", "/crm/v3/objects/contacts/batch/update")
    assert body(req)["inputs"][1] == {"id": "00Q2", "properties": {
        "leadstream_score": "12", "leadstream_grade": "D", "leadstream_trend": "",
        "leadstream_reasons": "", "leadstream_scored_at": "2026-03-01T12:30:05Z",
        "leadstream_model_version": "8"}}
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
                                 "Leadstream_Trend__c": "improving",
                                 "Leadstream_Reasons__c": A_TEXT,
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
