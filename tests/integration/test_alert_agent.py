"""The alert agent on the real stack: each event topic's records reach the real
Alertmanager's API with their labels; history older than an alert's life is not posted; a
record that does not decode is skipped and the agent goes on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from schemas.alerts import MODELS_ALERTS, ControlAlert
from schemas.deadletters import DEADLETTER_TOPICS, RecordDeadLetter, RecordRejectReason
from schemas.privacy import PRIVACY_REQUESTS
from schemas.retrain import MODELS_RETRAIN, RetrainReason, RetrainTrigger
from schemas.sink import SINK_DEADLETTER, SinkDeadLetter, SinkRejectReason
from streams.kafka.reader import produce_one
from streams.kafka.topics import topic_name
from streams.stack.alertmanager import ALERTMANAGER
from tests.integration.agents_support import AgentsProcess
from tests.integration.helpers import wait_until
from tests.support.alert_receivers import free_port


def test_every_event_topic_reaches_alertmanager(make_settings, tmp_path: Path) -> None:
    m = f"lead-{uuid.uuid4().hex[:8]}"
    s = make_settings(home=tmp_path, model_name=m, alert_event_ttl_s=600.0,
                      monitor_metrics_port=free_port())
    s = s.model_copy(update={"alertmanager_url": ALERTMANAGER.url(s)})
    now, old = datetime.now(UTC), datetime.now(UTC) - timedelta(hours=2)
    records = [
        (MODELS_ALERTS, m, ControlAlert(model_name=m, kind="nothing_to_roll_back", message="no "
                                        "previous version", source="rollback",
                                        actor="controller", at=now)),
        (MODELS_ALERTS, m, ControlAlert(model_name=m, kind="cooldown", message="history",
                                        source="rollback", actor="controller", at=old)),
        (MODELS_RETRAIN, m, RetrainTrigger(trigger_id="t1", model_name=m, model_version="2",
                                           reasons=[RetrainReason.DRIFT], window_start_ms=0,
                                           window_end_ms=1, emitted_at=now)),
        (SINK_DEADLETTER, "lead-x", SinkDeadLetter(reason=SinkRejectReason.CRM_REJECTED,
                                                   lead_id="lead-x", crm_format="webhook",
                                                   status_code=422, model_version="2",
                                                   source_partition=0, source_offset=1,
                                                   failed_at=now)),
        (DEADLETTER_TOPICS[PRIVACY_REQUESTS.name], "r1", RecordDeadLetter(
            reason=RecordRejectReason.SIGNATURE_REFUSED, message="unsigned", agent="erasure",
            source_topic="privacy.requests", payload_b64="", payload_size=3,
            payload_sha256="0" * 64, rejected_at=now)),
    ]
    try:
        ALERTMANAGER.start(s)
        with AgentsProcess(s, tmp_path / "agents.log") as agents:
            produce_one(s, topic_name(s, MODELS_RETRAIN), m, b"{not json")  # skipped
            for spec, key, record in records:
                produce_one(s, topic_name(s, spec), key, record.model_dump_json().encode())

            def ours() -> list[dict]:
                alerts = httpx.get(f"{s.alertmanager_url}/api/v2/alerts", timeout=5).json()
                return [a["labels"] for a in alerts if a["labels"]["model"] in (m, "privacy")]

            wait_until(lambda: len({a["kind"] for a in ours()}) == 4, 90, "four kinds of alerts")
            listed = ours()
            got = {a["kind"]: a for a in listed}
            metrics = httpx.get(f"http://127.0.0.1:{s.monitor_metrics_port}/metrics").text
            agents.check_alive()
            assert "unreadable record on" in agents.text()
    finally:
        ALERTMANAGER.stop(s)
    print(f"\nAlertmanager holds: { {k: v['severity'] for k, v in got.items()} }")
    assert len(listed) == 4
    posted = {line.split("{")[1].split("}")[0]: float(line.split()[-1])
              for line in metrics.splitlines() if line.startswith("leadstream_alerts_posted_total")}
    assert posted == {f'kind="{k}",severity="{v}"': 1.0 for k, v in (
        ("control_refused", "critical"), ("retrain", "info"), ("sink_failure", "warning"),
        ("erasure_refused", "warning"))}  # the 2 h old refusal was not posted
    assert 'leadstream_alerts_unreadable_records_total{topic="' in metrics
    assert got["control_refused"]["reason"] == "nothing_to_roll_back"
    assert got["control_refused"]["severity"] == "critical"
    assert got["retrain"]["severity"] == "info" and got["retrain"]["version"] == "2"
    assert got["sink_failure"]["model"] == m and got["sink_failure"]["reason"] == "crm_rejected"
    assert got["erasure_refused"]["model"] == "privacy"
    assert "lead-x" not in str(got)
