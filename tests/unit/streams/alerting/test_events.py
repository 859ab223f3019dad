"""leadstream's events as Alertmanager alerts: labels, times, and no lead data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from schemas.alerts import ControlAlert
from schemas.control import GuardrailDemand, ModelRole, RollbackEvent
from schemas.deadletters import RecordDeadLetter, RecordRejectReason
from schemas.retrain import RetrainReason, RetrainTrigger
from schemas.sink import SinkDeadLetter, SinkRejectReason
from streams.alerting.alert import Alert, AlertSeverity
from streams.alerting.events import (
    CRITICAL_REFUSALS,
    erasure_refused_alert,
    is_current,
    refusal_alert,
    retrain_alert,
    rollback_alert,
    sink_failure_alert,
)

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TTL = timedelta(minutes=15)
REQUIRED = {"alertname", "model", "version", "severity", "kind"}


def test_a_rollback_is_critical_with_the_breached_version() -> None:
    event = RollbackEvent(event_id="e1", model_name="lead-scoring", role=ModelRole.CHAMPION,
                          version="7", guardrail="score_collapse", evidence={"psi": 2.5},
                          window_start=AT - timedelta(minutes=1), window_end=AT, emitted_at=AT)
    alert = rollback_alert(event, TTL)
    assert alert.labels == {"alertname": "LeadstreamRollback", "model": "lead-scoring",
                            "version": "7", "severity": "critical", "kind": "rollback",
                            "role": "champion", "guardrail": "score_collapse"}
    body = alert.payload()
    assert body["startsAt"] == "2026-03-01T12:00:00.000Z"
    assert body["endsAt"] == "2026-03-01T12:15:00.000Z"
    assert "psi=2.5" in body["annotations"]["description"]


def test_an_srm_stop_demand_and_the_stop_are_not_alerted_as_a_rollback_or_a_refusal() -> None:
    event = RollbackEvent(event_id="e2", model_name="m", role=ModelRole.CHALLENGER, version="8",
                          guardrail="srm", demand=GuardrailDemand.STOP_INVALID,
                          evidence={"srm_p_value": 1e-6}, window_start=AT, window_end=AT,
                          emitted_at=AT)
    alert = rollback_alert(event, TTL)
    assert (alert.labels["alertname"], alert.labels["kind"], alert.severity) == (
        "LeadstreamExperimentInvalid", "experiment_invalid", AlertSeverity.CRITICAL)
    assert "no rollback" in alert.payload()["annotations"]["summary"]
    stopped = refusal_alert(ControlAlert(model_name="m", kind="srm", message="stopped",
                                         source="rollback", actor="guardrail:srm", at=AT), TTL)
    assert (stopped.labels["alertname"], stopped.labels["kind"]) == (
        "LeadstreamExperimentStopped", "experiment_stopped")


@given(st.sampled_from(["invalid_request", "no_champion", "cooldown", "nothing_to_roll_back",
                        "rolled_back_target", "stale_event", "alias_sync_failed",
                        "unknown_version", "apply_failed", "invalid_config",
                        "signature_refused", "forged_config"]))
def test_refusals_page_only_when_a_bad_model_keeps_serving_or_a_record_is_forged(kind) -> None:
    alert = refusal_alert(ControlAlert(model_name="m", kind=kind, message="why", source="rollback",
                                       actor="controller", at=AT), TTL)
    assert alert.severity is (AlertSeverity.CRITICAL if kind in CRITICAL_REFUSALS
                              else AlertSeverity.WARNING)
    assert alert.labels["version"] == "none" and alert.labels["reason"] == kind


def test_a_retrain_trigger_is_info() -> None:
    trigger = RetrainTrigger(trigger_id="t", model_name="m", model_version="4",
                             reasons=[RetrainReason.DRIFT, RetrainReason.AUC],
                             window_start_ms=0, window_end_ms=1, emitted_at=AT)
    alert = retrain_alert(trigger, TTL)
    assert (alert.severity, alert.kind, alert.version) == (AlertSeverity.INFO, "retrain", "4")
    assert "drift, auc" in alert.summary


@given(lead=st.text(max_size=40).map(lambda t: f"lead-\u2603-{t}"),
       response=st.text(max_size=180).map(lambda t: f"answer-\u2604-{t}"))
def test_a_sink_failure_names_no_lead_and_not_the_crms_answer(lead: str, response: str) -> None:
    letter = SinkDeadLetter(reason=SinkRejectReason.CRM_REJECTED, lead_id=lead,
                            crm_format="webhook", status_code=400, response=response,
                            score=0.9, model_version="2", source_partition=0,
                            source_offset=5, failed_at=AT)
    alert = sink_failure_alert(letter, "lead-scoring", TTL)
    text = json.dumps(alert.payload(), ensure_ascii=False)
    assert "\u2603" not in text and "\u2604" not in text
    assert alert.labels["reason"] == "crm_rejected" and "HTTP 400" in alert.summary


def test_an_erasure_refused_names_no_lead() -> None:
    letter = RecordDeadLetter(reason=RecordRejectReason.SIGNATURE_REFUSED,
                              message="lead-secret-42 unsigned", agent="erasure",
                              source_topic="privacy.requests", payload_b64="",
                              payload_size=10, payload_sha256="0" * 64, rejected_at=AT)
    alert = erasure_refused_alert(letter, TTL)
    assert "lead-secret-42" not in json.dumps(alert.payload())
    assert alert.labels.items() >= {"model": "privacy", "kind": "erasure_refused",
                                    "severity": "warning"}.items()


def test_every_event_alert_carries_the_required_labels_and_ends_after_it_starts() -> None:
    alert = Alert("X", "m", "", AlertSeverity.INFO, "k", AT, AT + TTL)
    assert alert.labels.keys() >= REQUIRED and alert.labels["version"] == "none"
    assert is_current(alert, AT + TTL - timedelta(seconds=1))
    assert not is_current(alert, AT + TTL)
