"""Issue 18, deliverable 2 on the real stack: a canary under a progression policy goes from
5 % to promoted with no person acting (and a worse challenger is aborted), every action
audited with its evidence and alerted.

Kafka, Redis, MLflow, a scorer and the agents run as in production, with 2-second monitor
windows; ``leadstream produce --outcomes`` sends leads and their ground-truth outcomes. In
the synthetic CRM a lead converts with its true probability whoever scores it, so the two
arms convert alike and the policy promotes on "not worse by more than the margin": the
better challenger is better where the simulator can tell, at ranking leads (its scores
correlate more with the ground truth, checked here independently). The worse challenger
was trained on shuffled labels: its AUC on the outcomes collapses, the ``model_auc``
guardrail the policy requires goes CRITICAL, and the policy aborts.

In the promotion run the agents are killed (SIGKILL) after the first advance and started
again: the new worker restores the controller's state and replays what was not committed,
and the trail still has each step once. The audit trail is printed and saved
(``canary-audit-<case>.txt`` in the test's folder).
"""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

from schemas.alerts import ControlAlert
from schemas.control import AuditEntry
from streams.stack.children import settings_env
from tests.integration.agents_support import (
    AgentsProcess,
    agents_group,
    rejoin_wait_s,
    run_cli,
)
from tests.integration.helpers import ScorerProcess, read_topic, registry, wait_until
from tests.integration.progression_support import (
    audit_entries,
    audit_trail,
    train_small,
    truth_corr,
)
from tests.integration.serving_support import serving_settings

RATE = 100
"""Leads per second: what the agents' outcome join keeps up with on a loaded machine. Past
it the outcomes pile up, and the one faust consumer of the agents hands the monitor and
progression agents their records behind them: the canary stalls for minutes."""
POLICY = """
[canary]
steps = [5, 25, 50]
min_windows = 2
min_samples = 20
max_windows = 200

[guardrails]
healthy = ["model_error_rate", "score_collapse", "treatment_conversion", "model_auc"]

[verdict]
alpha = 0.05
margin = 0.05
min_outcomes_per_arm = 300
"""


def _run(make_settings, redis_client, tmp_path: Path, challenger, case: str,
         final: str) -> tuple[list[AuditEntry], list[ControlAlert]]:
    redis_client.flushdb()
    s = serving_settings(make_settings, tmp_path, monitor_window_s=2.0, monitor_lateness_s=0.5,
                         monitor_idle_s=1.0, monitor_tick_s=0.2, control_wait_s=60.0,
                         outcome_retry_s=0.5, report_interval_s=2.0, monitor_min_labels=100)
    reg = registry(s)
    reg.register(train_small(300, 11), None, alias="champion")  # a weak champion: 300 rows
    version = reg.register(challenger, None)
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    with ExitStack() as stack:
        agents = stack.enter_context(AgentsProcess(s, tmp_path / "agents.log"))
        scorer = stack.enter_context(ScorerProcess(s, tmp_path / "scorer.log"))
        agents.wait_consuming(agents_group(s), 300)  # a loaded machine starts them slowly
        out = run_cli(s, "experiment", "start", "--mode", "canary", "--challenger", version,
                      "--policy", str(policy), "--reason", "issue 18 canary")
        assert out.exit_code == 0, out.output + agents.tail()
        crm = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "produce", "-n", "200000", "--rate", str(RATE),
             "--seed", "5", "--outcomes", "--outcome-delay", "1", "--quiet-share", "0.1"],
            env=settings_env(s), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        view = None
        try:
            if final == "auto_promote":  # the report shows the progression while it runs
                wait_until(lambda: any(e.action == "auto_advance" for e in audit_entries(s)), 180,
                           f"a first advance\n{agents.tail()}\n{scorer.tail()}", poll_s=1.0)
                report = run_cli(s, "experiment", "report", "--json")
                assert report.exit_code == 0, report.output
                view = json.loads(report.output)["progression"]
                agents.kill9()  # a crash mid-canary: the new worker replays, never re-steps
                agents = stack.enter_context(AgentsProcess(s, tmp_path / "agents-2.log"))
                restarted = tmp_path / "agents-2.log"
            wait_until(lambda: any(e.action == final for e in audit_entries(s)), 420,
                       f"{final} by the policy\n{agents.tail()}\n{scorer.tail()}", poll_s=2.0)
        finally:
            crm.kill()
            crm.wait(30)
    if final == "auto_promote":  # the dead worker's partitions came back within its session
        waited = rejoin_wait_s(restarted)
        assert waited < 2 * s.agents_session_timeout_s, f"rejoined after {waited:.0f}s"
    entries = [e for e in audit_entries(s) if e.model_name == s.model_name]
    alerts = [ControlAlert.model_validate_json(r.value)
              for r in read_topic(s, s.topic_models_alerts, 30)]
    trail = audit_trail(entries)
    (tmp_path / f"canary-audit-{case}.txt").write_text(trail + "\n")
    print(f"\n--- audit trail ({case}) ---\n{trail}")
    if view is not None:
        print(f"experiment report --json, progression after the first advance: {view}")
        assert view["step"] >= 2 and view["shares"] == [0.05, 0.25, 0.5]
        assert view["last_action"] in ("advance", "hold") and view["next"]
    return entries, alerts


def test_a_better_challenger_goes_from_5_percent_to_promoted_on_its_own(
        make_settings, redis_client, tmp_path: Path) -> None:
    good = train_small(3000, 7)
    assert truth_corr(good) > truth_corr(train_small(300, 11)) + 0.05  # better on ground truth
    entries, alerts = _run(make_settings, redis_client, tmp_path, good, "better",
                           "auto_promote")
    actions = [e.action for e in entries]
    assert actions == ["start_experiment", "auto_advance", "auto_advance", "auto_promote"]
    assert [e.after.treatment_share for e in entries[:3]] == [0.05, 0.25, 0.5]
    assert all(e.actor == "auto-progression" for e in entries[1:])  # no person acted
    windows = [e.evidence["window_end_ms"] for e in entries[1:]]
    assert windows == sorted(set(windows))  # one action per window, in order
    promoted = entries[-1]
    assert promoted.after.champion_version == entries[0].after.challenger_version
    assert promoted.evidence["lower"] > -0.05
    assert min(promoted.evidence["control_outcomes"],
               promoted.evidence["treatment_outcomes"]) >= 300
    kinds = [a.kind for a in alerts if a.source == "progression"]
    assert kinds == ["auto_advance", "auto_advance", "auto_promote"]


def test_a_challenger_that_ranks_at_random_is_aborted_on_its_own(
        make_settings, redis_client, tmp_path: Path) -> None:
    worse = train_small(3000, 7, shuffle=True)
    assert truth_corr(worse) < truth_corr(train_small(300, 11)) - 0.3  # worse on ground truth
    entries, alerts = _run(make_settings, redis_client, tmp_path, worse, "worse", "auto_abort")
    actions = [e.action for e in entries]
    assert actions[0] == "start_experiment" and actions[-1] == "auto_abort"
    assert set(actions[1:-1]) <= {"auto_advance"}  # it may have advanced before labels came
    aborted = entries[-1]
    assert aborted.evidence["guardrail.model_auc"] == "CRITICAL"
    assert aborted.evidence["value.model_auc"] < 0.6
    assert (aborted.after.mode.value, aborted.after.champion_version) == ("off", "1")
    assert "guardrail(s) model_auc CRITICAL" in aborted.reason
    assert [a.kind for a in alerts if a.source == "progression"][-1] == "auto_abort"
