"""The monitor agents on the real stack: a sample stamped a day ahead and unreadable samples
do not stop windows from closing nor guardrails from judging; with the scorer, a lead
stamped a day ahead does not keep a bad version from being rolled back."""

from __future__ import annotations

import json
import uuid
from importlib.resources import files
from pathlib import Path

from confluent_kafka import Producer

from schemas.control import MODELS_ROLLBACK
from schemas.deadletters import DEADLETTER_TOPICS, RecordDeadLetter
from schemas.monitor import MONITOR_GUARDRAILS, MONITOR_PERFORMANCE, MONITOR_SAMPLES
from scoring.faulty import constant_model
from streams.kafka.topics import topic_name
from tests.integration.agents_support import AgentsProcess, run_cli
from tests.integration.helpers import (
    ScorerProcess,
    committed_events,
    make_traffic,
    produce_paced,
    read_topic,
    registry,
    wait_until,
)
from tests.integration.monitor_helpers import (
    MonitorWorker,
    craft,
    make_kit,
    now_ms,
    processed,
    publish,
    reports,
    wait_reports,
)
from tests.integration.serving_support import outputs, serving_settings, warm_up
from tests.integration.test_agents_safety import produce_raw

L = 2000
DAY_MS = 24 * 3600 * 1000


def test_a_day_ahead_and_unreadable_samples_leave_the_windows_working(
        make_settings, tmp_path: Path) -> None:
    kit = make_kit()
    s = make_settings(model_name=f"lead-{uuid.uuid4().hex[:8]}", monitor_window_s=L / 1000,
                      monitor_lateness_s=0.5, monitor_tick_s=0.2, monitor_idle_s=60)
    v = kit.register(s)
    samples_topic = topic_name(s, MONITOR_SAMPLES)
    with MonitorWorker(s, tmp_path / "worker.log") as worker:
        t0 = now_ms()
        ahead = craft(kit, s, v, 50, t0 + DAY_MS, 100, "ahead", seed=1)
        huge = json.loads(craft(kit, s, v, 10, t0, 10, "huge", seed=2).model_dump_json())
        huge["n_scored"] = 2**63
        publish(s, [ahead])
        produce_raw(s, samples_topic, [(s.model_name.encode(), json.dumps(huge).encode()),
                                       (s.model_name.encode(), b"{not json")])
        processed(s)
        base = t0 - t0 % L
        for k in range(1, 6):  # normal traffic after it, one window after another
            publish(s, [craft(kit, s, v, 100, base + k * L + 100, 800, f"w{k}", seed=10 + k)])
            processed(s)
        perf = wait_reports(s, topic_name(s, MONITOR_PERFORMANCE),
                            lambda rs: len({r["window_start_ms"] for r in rs}) >= 4)
        guards = wait_reports(s, topic_name(s, MONITOR_GUARDRAILS),
                              lambda rs: len({r["window_start_ms"] for r in rs}) >= 4)
        assert worker.proc.poll() is None
        log = worker.text()
    starts = sorted({r["window_start_ms"] for r in perf})
    assert all(st < t0 + 60_000 for st in starts)  # nothing was put a day ahead
    assert {base + k * L for k in range(1, 4)} <= set(starts)  # the genuine windows closed
    assert {base + k * L for k in range(1, 4)} <= {r["window_start_ms"] for r in guards}
    assert sum(r["n_clock_skewed"] for r in perf) == 50
    assert sum(r["n_scored"] for r in perf) >= 50 + 300
    assert "not merged: late" not in log  # no genuine sample was taken for late
    dead = topic_name(s, DEADLETTER_TOPICS[MONITOR_SAMPLES.name])
    letters = [RecordDeadLetter.model_validate_json(r.value) for r in read_topic(s, dead)]
    assert sorted(x.reason.value for x in letters) == ["invalid_json", "schema_violation"]
    assert all(x.source_topic == samples_topic for x in letters)


def test_scorer_and_agents_still_roll_back_after_a_lead_far_ahead(
        make_settings, redis_client, tmp_path: Path) -> None:
    """The whole loop: one lead stamped 50 minutes ahead (a CRM host with a wrong clock; a
    Kafka 4 broker itself refuses timestamps more than an hour ahead by default,
    ``log.message.timestamp.after.max.ms``), then normal traffic; a constant-score version
    promoted after it is still rolled back."""
    redis_client.flushdb()
    policy = tmp_path / "guardrails.toml"  # latency off the table on a loaded test machine
    text = (files("monitors") / "default_guardrails.toml").read_text()
    policy.write_text(text.replace("warn = 100.0\ncritical = 500.0",
                                   "warn = 60000.0\ncritical = 120000.0"))
    assert "critical = 120000.0" in policy.read_text()
    s = serving_settings(make_settings, tmp_path, monitor_window_s=2.0, monitor_lateness_s=0.5,
                         monitor_idle_s=1.0, monitor_tick_s=0.2, rollback_cooldown_s=0.0,
                         control_wait_s=60.0, monitor_guardrails_path=policy)
    kit = make_kit()
    reg = registry(s)
    reg.register(kit.trained, kit.profile, alias="champion")
    bad = reg.register(constant_model(kit.trained), kit.profile)
    sent, _ = make_traffic(8_000, s, seed=43, bad_share=0.0)
    skewed = sent[100]
    with AgentsProcess(s, tmp_path / "agents.log") as agents, \
            ScorerProcess(s, tmp_path / "scorer.log") as scorer:
        warm_up(s, sent[:100])
        producer, errors = Producer(s.kafka_config()), []
        producer.produce(s.topic_incoming, skewed.value, skewed.key,
                         timestamp=now_ms() + 50 * 60_000,
                         on_delivery=lambda err, _m: errors.append(err) if err else None)
        assert producer.flush(30) == 0 and not errors, errors
        wait_until(lambda: committed_events(s) >= 101, 60, "the lead far ahead scored")
        thread, _ = produce_paced(s, sent[101:], chunks=40, pause_s=0.2)
        wait_until(lambda: committed_events(s) >= 3_000, 90, "traffic after it")
        out = run_cli(s, "models", "promote", bad, "--reason", "deliberately bad")
        assert out.exit_code == 0, out.output + agents.tail()
        rollback_topic = topic_name(s, MODELS_ROLLBACK)
        wait_until(lambda: any(e["version"] == bad for e in reports(s, rollback_topic)), 60,
                   f"a rollback event of v{bad}\n{agents.tail()}")
        thread.join(120)
        wait_until(lambda: committed_events(s) >= len(sent), 120, "every event committed")
        assert scorer.terminate() == 0, scorer.tail()
    perf = reports(s, topic_name(s, MONITOR_PERFORMANCE))
    assert sum(r["n_clock_skewed"] for r in perf) == 1
    assert len({r["window_start_ms"] for r in perf}) >= 5
    assert all(r["window_start_ms"] < now_ms() + 60_000 for r in perf)
    assert [e["version"] for e in reports(s, rollback_topic)] == [bad]
    scored, _ = outputs(s)
    assert sum(r["lead_id"] == skewed.lead_id for r in scored) >= 1
