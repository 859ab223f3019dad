"""Issue 4's rollback target on the real stack: scorer → monitor.samples → monitor agents →
models.rollback → controller → models.control → scorer, timed from the close of the
breaching window to the first lead scored again by the previous version."""

from __future__ import annotations

from datetime import datetime
from importlib.resources import files
from pathlib import Path

from schemas.control import MODELS_ROLLBACK
from schemas.monitor import MONITOR_GUARDRAILS
from scoring.faulty import constant_model, slow_model
from streams.kafka.topics import topic_name
from tests.integration.agents_support import AgentsProcess, run_cli
from tests.integration.fate import check_fates
from tests.integration.helpers import (
    TIMING_MARGIN,
    ScorerProcess,
    committed_events,
    make_traffic,
    produce_paced,
    registry,
    wait_until,
)
from tests.integration.monitor_helpers import make_kit, reports
from tests.integration.serving_support import serving_settings, warm_up

TARGET_S = 5.0
"""Issue 4's target, window closable → previous version serving; asserted with
``TIMING_MARGIN`` (the measured figure is printed)."""


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_constant_score_version_is_rolled_back_within_seconds(
        make_settings, redis_client, tmp_path: Path) -> None:
    _drill(make_settings, redis_client, tmp_path, "score_collapse", constant_model)


def test_slow_version_is_rolled_back_within_seconds(
        make_settings, redis_client, tmp_path: Path) -> None:
    """A version ~1200x slower per lead (same scores) trips the p95 latency guardrail. The
    default threshold (500 ms of model time per batch) would need a model that falls far
    behind the traffic; this drill's policy has a 40 ms critical p95 (the good version's
    batches take a few ms) and no rollback cooldown (short windows)."""
    policy = tmp_path / "guardrails.toml"
    text = (files("monitors") / "default_guardrails.toml").read_text()
    text = text.replace("warn = 100.0\ncritical = 500.0", "warn = 20.0\ncritical = 40.0")
    policy.write_text(text.replace("cooldown_s = 600", "cooldown_s = 0"))
    assert "critical = 40.0" in policy.read_text() and "cooldown_s = 0" in policy.read_text()
    _drill(make_settings, redis_client, tmp_path, "latency_p95",
           lambda t: slow_model(t, copies=1200), monitor_guardrails_path=policy)


def _drill(make_settings, redis_client, tmp_path: Path, guardrail: str, make_bad,
           **extra) -> None:
    redis_client.flushdb()
    s = serving_settings(make_settings, tmp_path, monitor_window_s=2.0, monitor_lateness_s=0.5,
                         monitor_idle_s=1.0, monitor_tick_s=0.2, rollback_cooldown_s=0.0,
                         control_wait_s=60.0, **extra)
    kit = make_kit()
    reg = registry(s)
    faulty = make_bad(kit.trained)
    good = reg.register(kit.trained, kit.profile, alias="champion")
    bad = reg.register(faulty, kit.profile)
    sent, frame = make_traffic(16_000, s, seed=41, bad_share=0.02)
    rollback_topic = topic_name(s, MODELS_ROLLBACK)
    with AgentsProcess(s, tmp_path / "agents.log") as agents, \
            ScorerProcess(s, tmp_path / "scorer.log") as scorer:
        where = warm_up(s, sent[:100])
        thread, paced = produce_paced(s, sent[100:], chunks=80, pause_s=0.2)
        wait_until(lambda: committed_events(s) >= 3_000, 60, "traffic on the good version")
        out = run_cli(s, "models", "promote", bad, "--reason", "deliberately bad")
        assert out.exit_code == 0, out.output + agents.text()[-3000:]
        wait_until(lambda: bool(reports(s, rollback_topic)), 60, "a rollback event")
        wait_until(lambda: scorer.text().count("now serving") >= 2, 30, "scorer swapped back")
        thread.join(120)
        where.update(paced)
        wait_until(lambda: committed_events(s) >= len(sent), 120, "every event committed")
        assert scorer.terminate() == 0, scorer.text()[-3000:]
    scored = check_fates(s, where, frame, {good: kit.trained, bad: faulty}).scored
    (event,) = [e for e in reports(s, rollback_topic) if e["version"] == bad]
    assert event["guardrail"] == guardrail
    guard = next(g for g in reports(s, topic_name(s, MONITOR_GUARDRAILS))
                 if g["model_version"] == bad and g["rollback_requested"])
    closed = _ts(event["window_end"]) + s.monitor_lateness_s
    by_time = sorted(scored, key=lambda r: (r["scored_at"], r["source_offset"]))
    last_bad = max(i for i, r in enumerate(by_time) if r["model_version"] == bad)
    back = by_time[last_bad + 1]
    assert back["model_version"] == good
    assert all(r["model_version"] == good for r in by_time[last_bad + 1:])
    seconds = _ts(back["scored_at"]) - closed
    from_report = _ts(back["scored_at"]) - _ts(guard["emitted_at"])
    print(f"\nrollback ({guardrail}): window closable -> previous version serving {seconds:.2f} s "
          f"(guardrail report -> serving {from_report:.2f} s); {len(scored)} scored, "
          f"{sum(r['model_version'] == bad for r in scored)} by the bad version; target "
          f"{TARGET_S:.0f} s, asserted <= {TIMING_MARGIN * TARGET_S:.0f} s")
    assert seconds <= TIMING_MARGIN * TARGET_S
