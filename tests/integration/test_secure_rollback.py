"""Issue 4's rollback drill on the secured stack, every process as its own principal:
crm produces → scorer scores → monitor agents judge → agents roll back → scorer serves the
previous version again; the operator promotes the bad version through the CLI. Observed as
``admin`` (the only principal allowed to read everything)."""

from __future__ import annotations

from pathlib import Path

from schemas.control import MODELS_ROLLBACK
from scoring.faulty import constant_model
from streams.kafka.topics import topic_name
from streams.stack.credentials import ADMIN
from tests.integration.agents_support import AgentsProcess, run_cli
from tests.integration.fate import check_fates
from tests.integration.helpers import (
    ScorerProcess,
    committed_events,
    make_traffic,
    produce,
    produce_paced,
    registry,
    wait_until,
)
from tests.integration.monitor_helpers import make_kit, reports


def test_a_bad_version_is_rolled_back_on_the_secured_stack(
        secure_stack, secure_settings, tmp_path: Path) -> None:
    base = secure_settings.model_copy(update=dict(
        monitor_window_s=2.0, monitor_lateness_s=0.5, monitor_idle_s=1.0, monitor_tick_s=0.2,
        rollback_cooldown_s=0.0, control_wait_s=60.0))
    crm, scorer_s, agents_s, operator, admin = (
        secure_stack.as_(p, base) for p in ("crm", "scorer", "agents", "operator", ADMIN))
    kit = make_kit()
    reg = registry(base)
    good = reg.register(kit.trained, kit.profile, alias="champion")
    faulty = constant_model(kit.trained)
    bad = reg.register(faulty, kit.profile)
    sent, frame = make_traffic(10_000, base, seed=41, bad_share=0.02)
    rollback_topic = topic_name(base, MODELS_ROLLBACK)
    with AgentsProcess(agents_s, tmp_path / "agents.log") as agents, \
            ScorerProcess(scorer_s, tmp_path / "scorer.log") as scorer:
        where = produce(crm, sent[:100])
        wait_until(lambda: committed_events(admin) >= 100, 90, "scorer warmed up")
        thread, paced = produce_paced(crm, sent[100:], chunks=50, pause_s=0.2)
        wait_until(lambda: committed_events(admin) >= 2_000, 60, "traffic on the good version")
        out = run_cli(operator, "models", "promote", bad, "--reason", "deliberately bad")
        assert out.exit_code == 0, out.output + agents.text()[-3000:]
        wait_until(lambda: bool(reports(admin, rollback_topic)), 60, "a rollback event")
        wait_until(lambda: scorer.text().count("now serving") >= 2, 30, "scorer swapped back")
        thread.join(120)
        where.update(paced)
        wait_until(lambda: committed_events(admin) >= len(sent), 120, "every event committed")
        assert scorer.terminate() == 0, scorer.text()[-3000:]
    scored = check_fates(admin, where, frame, {good: kit.trained, bad: faulty}).scored
    (event,) = [e for e in reports(admin, rollback_topic) if e["version"] == bad]
    assert event["guardrail"] == "score_collapse"
    by_time = sorted(scored, key=lambda r: (r["scored_at"], r["source_offset"]))
    last_bad = max(i for i, r in enumerate(by_time) if r["model_version"] == bad)
    assert all(r["model_version"] == good for r in by_time[last_bad + 1:])
    assert last_bad + 1 < len(by_time)  # the previous version served again afterwards
    secrets = [*secure_stack.creds.kafka.values(), secure_stack.creds.redis]
    for log in (tmp_path / "agents.log", tmp_path / "scorer.log"):
        assert not [s for s in secrets if s in log.read_text()], log
