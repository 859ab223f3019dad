"""``leadstream diagnose`` on the real stack names the injected fault first: a shifted
feature, a CRM field arriving empty and a renamed CRM field (windows closed by the real
monitor agents, a scorer group member alive), a stopped scorer (leads waiting on
``leads.incoming``, no scorer in its group) and a CRM refusing write-back (the real sink
against a CRM stand-in answering 400)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer

from monitors.windows import window_start
from schemas.monitor import MONITOR_DRIFT, MONITOR_PERFORMANCE
from schemas.scored import ScoredLead
from schemas.topics import TopicSpec
from streams.kafka.topics import topic_name
from streams.settings import Settings
from streams.stack.children import LeadstreamProcess
from tests.integration.agents_support import run_cli
from tests.integration.helpers import make_traffic, produce, wait_until
from tests.integration.monitor_helpers import (
    Kit,
    MonitorWorker,
    craft,
    make_kit,
    now_ms,
    publish,
    wait_reports,
)
from tests.support.crm_server import FakeCrm, Plan

L = 2000


@pytest.fixture(scope="module")
def kit() -> Kit:
    return make_kit()


def _diagnose(settings) -> dict:
    result = run_cli(settings, "diagnose", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _diagnose_with_a_live_scorer(settings) -> dict:
    """``diagnose --json`` while a member of the scorers' group reads ``leads.incoming``
    (a scorer that is up)."""
    consumer = Consumer({**settings.kafka_config(), "group.id": settings.consumer_group,
                         "enable.auto.commit": False})
    consumer.subscribe([settings.topic_incoming])
    try:
        wait_until(lambda: consumer.poll(0.2) is None and bool(consumer.assignment()), 30,
                   "the stand-in scorer assigned")
        return _diagnose(settings)
    finally:
        consumer.close()


def _faulty_windows(make_settings, kit: Kit, log: Path, windows: int, reports: TopicSpec,
                    **fault) -> tuple[Settings, list[dict]]:
    """``windows`` closed windows of two samples each carrying ``fault`` (``craft``'s
    shift, empty or unknown), closed by the real monitor agents; the settings of their
    model and the reports on ``reports`` once there is one per window."""
    s = make_settings(model_name=f"lead-{uuid.uuid4().hex[:8]}", monitor_window_s=L / 1000,
                      monitor_lateness_s=0.5, monitor_tick_s=0.2, monitor_idle_s=1.0)
    v = kit.register(s)
    base = window_start(now_ms() - 30_000, L)
    samples = [craft(kit, s, v, 500, base + k * L + 900 * j, 800, f"w{k}/{j}",
                     seed=10 * k + j, **fault) for k in range(windows) for j in range(2)]
    with MonitorWorker(s, log):
        publish(s, samples, [0])
        return s, wait_reports(s, topic_name(s, reports), lambda rs: len(rs) >= windows)


def test_a_shifted_feature_is_named_first(make_settings, kit: Kit, redis_client,
                                          tmp_path: Path) -> None:
    s, drift = _faulty_windows(make_settings, kit, tmp_path / "worker.log", 3, MONITOR_DRIFT,
                               shift={"engagement_score": 1.0})
    newest = max(drift, key=lambda r: r["window_end_ms"])
    psi = {f["name"]: f["psi"] for f in newest["features"]}["engagement_score"]
    doc = _diagnose_with_a_live_scorer(s)
    first = doc["findings"][0]
    assert (first["kind"], first["evidence"]["feature"]) == ("feature_drift",
                                                             "engagement_score"), doc
    assert first["evidence"]["psi"] == pytest.approx(psi, abs=1e-4)
    assert doc["next_steps"][0] == "retrain"
    assert not [f for f in doc["findings"] if f["kind"] == "scorer" and
                f["severity"] != "info"], doc
    table = run_cli(s, "diagnose")
    assert table.exit_code == 0 and "engagement_score drifted" in table.output, table.output


def test_a_stopped_scorer_is_named_first(make_settings) -> None:
    s = make_settings(model_name=f"lead-{uuid.uuid4().hex[:8]}")
    sent, _ = make_traffic(40, s, bad_share=0.0)
    produce(s, sent)
    doc = _diagnose(s)
    first = doc["findings"][0]
    assert (first["kind"], first["severity"]) == ("scorer", "critical"), doc
    assert doc["next_steps"][0] == "start the scorer"
    fresh = {f["evidence"]["topic"]: f for f in doc["findings"] if f["kind"] == "freshness"}
    assert fresh["leads.incoming"]["evidence"]["age_s"] < 120
    assert first["evidence"]["lag_records"] == len(sent)  # nothing scored them


def test_a_crm_field_arriving_empty_is_named_first(make_settings, kit: Kit,
                                                   tmp_path: Path) -> None:
    s, _ = _faulty_windows(make_settings, kit, tmp_path / "worker.log", 3, MONITOR_DRIFT,
                           empty=("company_size",))
    doc = _diagnose_with_a_live_scorer(s)
    first = doc["findings"][0]
    assert (first["kind"], first["evidence"]["feature"]) == ("missing_values",
                                                             "company_size"), doc
    assert first["evidence"]["missing_share"] == 1.0
    reference = kit.profile.numeric["company_size"].proportions[-1]  # from the registry
    assert first["evidence"]["reference_missing_share"] == pytest.approx(reference)
    assert doc["next_steps"][0] == "fix the CRM mapping"
    assert "feature_drift" not in doc["root_causes"]  # explained by the empty field


def test_a_renamed_crm_field_is_named_first(make_settings, kit: Kit, tmp_path: Path) -> None:
    s, _ = _faulty_windows(make_settings, kit, tmp_path / "worker.log", 2, MONITOR_PERFORMANCE,
                           unknown={"web_visits": 500})
    doc = _diagnose_with_a_live_scorer(s)
    first = doc["findings"][0]
    assert (first["kind"], first["severity"]) == ("unknown_attributes", "critical"), doc
    assert (first["evidence"]["attribute"], first["evidence"]["share"]) == ("web_visits", 1.0)
    assert doc["next_steps"][0] == "fix the CRM mapping"


def test_a_crm_refusing_write_back_is_named_first(make_settings, tmp_path: Path) -> None:
    s = make_settings(model_name=f"lead-{uuid.uuid4().hex[:8]}",
                      sink_group=f"sink-{uuid.uuid4().hex[:8]}")
    leads = [f"L{i}" for i in range(6)]
    producer = Producer(s.kafka_config())
    for i, lead in enumerate(leads):
        doc = ScoredLead(lead_id=lead, score=0.5, grade="B", model_name=s.model_name,
                         model_version="1", model_alias="champion",
                         scored_at=datetime.now(UTC), latency_ms=1.0, source_partition=0,
                         source_offset=i)
        producer.produce(s.topic_scored, doc.model_dump_json().encode(), lead.encode())
    assert producer.flush(30) == 0
    with FakeCrm(Plan(refuse=frozenset(leads))) as crm:
        env = {"sink_url": crm.url, "sink_token": "tok", "sink_backoff_s": 0.05}
        with LeadstreamProcess(["sink", "--idle-exit", "3"], s, tmp_path / "sink.log",
                               **env) as sink:
            assert sink.wait(120) == 0, sink.tail()
    doc = _diagnose_with_a_live_scorer(s)
    first = doc["findings"][0]
    assert (first["kind"], first["severity"]) == ("sink_failures", "critical"), doc
    assert first["evidence"]["crm_rejected"] == len(leads)
    assert first["evidence"]["status_400"] == len(leads)
    assert doc["next_steps"][0] == "check the CRM endpoint"
