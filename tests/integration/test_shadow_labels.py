"""Issue 18, deliverable 3 on the real stack: a shadow challenger gets labels, the summary
says it ranks leads better than a degraded champion, and the policy promotes it.

Kafka, Redis, MLflow, a scorer and the agents run as in production, with 2-second monitor
windows. The champion is deliberately degraded (trained on shuffled labels: it ranks leads
at random); the challenger is trained on the true ones. ``leadstream produce --outcomes``
sends leads and their ground-truth outcomes until the promotion (a decision is taken at a
window of the challenger: traffic must flow); the scorer keeps each lead's shadow score in
its ledger entry, the outcome agent labels both scores, and the controller promotes the
shadow under its policy, audited with the evidence. ``experiment shadow-summary --json``
is then checked against AUCs computed here with sklearn from the topics alone
(``scores.shadow`` joined with ``leads.outcomes``), on exactly the same leads.
"""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from schemas.experiments import Outcome, ShadowComparison
from streams.stack.children import settings_env
from streams.stores.ledger import Ledger
from streams.stores.shadow_labels import ShadowLabelWindow
from tests.integration.agents_support import AgentsProcess, run_cli
from tests.integration.helpers import ScorerProcess, read_topic, registry, wait_until
from tests.integration.progression_support import audit_entries, train_small, truth_corr
from tests.integration.serving_support import serving_settings

POLICY = """
[canary]
max_windows = 200

[guardrails]
healthy = ["model_error_rate", "score_collapse"]

[verdict]
alpha = 0.05

[shadow]
promote = true
min_labels = 1500
"""


def _independent_aucs(s) -> tuple[int, float, float]:
    """Both models' AUC on the labelled shadow leads, from the topics (sklearn)."""
    shadow = {c.lead_id: c for c in (ShadowComparison.model_validate_json(r.value)
                                     for r in read_topic(s, s.topic_scores_shadow, 60))}
    label: dict[str, int] = {}
    for r in read_topic(s, s.topic_leads_outcomes, 60):
        o = Outcome.model_validate_json(r.value)
        if o.lead_id in shadow:
            label[o.lead_id] = max(label.get(o.lead_id, 0), int(o.converted))
    leads = sorted(label)
    y = np.array([label[i] for i in leads])
    a = np.array([shadow[i].champion_score for i in leads])
    b = np.array([shadow[i].challenger_score for i in leads])
    return len(leads), float(roc_auc_score(y, a)), float(roc_auc_score(y, b))


def test_a_better_shadow_challenger_is_labelled_summarised_and_promoted(
        make_settings, redis_client, tmp_path: Path) -> None:
    redis_client.flushdb()
    s = serving_settings(make_settings, tmp_path, monitor_window_s=2.0, monitor_lateness_s=0.5,
                         monitor_idle_s=1.0, monitor_tick_s=0.2, control_wait_s=60.0,
                         outcome_retry_s=0.5, report_interval_s=2.0, monitor_min_labels=100,
                         monitor_label_window=100_000)
    degraded, good = train_small(3000, 7, shuffle=True), train_small(3000, 7)
    assert truth_corr(good) > truth_corr(degraded) + 0.3  # better on the ground truth
    reg = registry(s)
    reg.register(degraded, None, alias="champion")
    version = reg.register(good, None)
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    with ExitStack() as stack:
        agents = stack.enter_context(AgentsProcess(s, tmp_path / "agents.log"))
        scorer = stack.enter_context(ScorerProcess(s, tmp_path / "scorer.log"))
        wait_until(lambda: "Ready" in agents.text() or agents.proc.poll() is not None, 240,
                   "the agents' worker (a loaded machine imports slowly)", poll_s=1.0)
        out = run_cli(s, "experiment", "start", "--mode", "shadow", "--challenger", version,
                      "--policy", str(policy), "--reason", "issue 18 shadow")
        assert out.exit_code == 0, out.output + agents.tail()
        crm = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "produce", "-n", "40000", "--rate", "400",
             "--seed", "5", "--outcomes", "--outcome-delay", "1", "--quiet-share", "0.1"],
            env=settings_env(s), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        report: dict = {}

        def held() -> bool:  # the report while the shadow waits for its labels
            out = run_cli(s, "experiment", "report", "--json")
            doc = json.loads(out.output) if out.exit_code == 0 else {}
            if (doc.get("progression") or {}).get("last_action") == "hold":
                report.update(doc)
            return bool(report) or any(e.action == "auto_promote" for e in audit_entries(s))
        try:
            wait_until(held, 180, f"a first decision\n{agents.tail()}\n{scorer.tail()}",
                       poll_s=0.3)
            wait_until(lambda: any(e.action == "auto_promote" for e in audit_entries(s)), 180,
                       f"auto_promote by the policy\n{agents.tail()}\n{scorer.tail()}",
                       poll_s=1.0)
        finally:  # decisions come at the challenger's windows: traffic runs until then
            crm.kill()
            crm.wait(30)
        # every outcome published for a shadowed lead is labelled: Redis holds exactly the
        # leads the topics join (the scorer and the outcome agent catch up first)
        window = ShadowLabelWindow(redis_client, 0)
        joined: list = []

        def caught_up() -> bool:
            joined[:] = _independent_aucs(s)
            return len(window.read(s.model_name, "1", version)) == joined[0]
        wait_until(caught_up, 120, "every outcome of a shadowed lead labelled", poll_s=2.0)
    n, auc_champion, auc_challenger = joined
    assert report, "no report was taken while the shadow held for labels"
    assert report["mode"] == "shadow" and report["challenger_version"] == version
    assert report["progression"]["shadow_of"] == version
    assert report["quality"]["champion"]["version"] == "1"
    assert "labelled leads" in report["progression"]["last_reasons"][0]
    entries = [e for e in audit_entries(s) if e.model_name == s.model_name]
    assert [e.action for e in entries] == ["start_experiment", "auto_promote"]
    promoted = entries[-1]
    assert promoted.actor == "auto-progression" and promoted.after.champion_version == version
    ev = promoted.evidence
    assert ev["n_labels"] >= 1500 and ev["lower"] > 0 and ev["p_value"] < 0.05
    assert ev["auc_challenger"] > ev["auc_champion"] + 0.1
    assert "ranks leads better" in promoted.reason

    some = next(r for r in read_topic(s, s.topic_scores_shadow, 30))
    entry = Ledger(redis_client, 0).get(some.key.decode())
    comparison = ShadowComparison.model_validate_json(some.value)
    assert (entry.challenger_version, entry.challenger_score) == (
        version, pytest.approx(comparison.challenger_score))

    summary = run_cli(s, "experiment", "shadow-summary", "--json")
    assert summary.exit_code == 0, summary.output
    pair = next(d for d in json.loads(summary.output) if d["challenger_version"] == version)
    q = pair["quality"]
    assert q["n_labels"] == n
    assert q["champion"]["auc"] == pytest.approx(auc_champion, abs=1e-9)
    assert q["challenger"]["auc"] == pytest.approx(auc_challenger, abs=1e-9)
    assert q["ranking"] == "challenger ranks better" and q["paired_delong"]["p_value"] < 0.05
    assert q["verdict"].startswith(f"The challenger v{version} ranks leads better")
    text = run_cli(s, "experiment", "shadow-summary")
    assert "precision at top 10 %" in text.output and "ranks leads better" in text.output
    print(f"\n{text.output}\naudit: {promoted.reason}")
