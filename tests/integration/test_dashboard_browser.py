"""Issue 17: the dashboard on the real stack, in Debian's headless chromium.

Scorer, agents and dashboard run as child processes on the test's topics; CRM traffic and
outcomes flow, and an A/B experiment runs for a while (its challenger: the same model).
Every page loads without a console error and its charts have data; on the open drift page
a new window appears without a reload; a guardrail rollback (a version scoring a constant)
shows on the open overview, then in the models' audit trail and the alerts.

The stack's Prometheus (scraping scorer, agents and a sink writing back to a CRM stand-in
that fails now and then) and Alertmanager (``examples/alertmanager.yml`` against local
receivers) run too: the overview shows dead letters by reason, lag per group (scorer,
agents, sink), every process up, the sink's deliveries; the alerts page shows where the
rollback's alert went; with Prometheus stopped, the overview says so. Screenshots of each
page go to the test's output folder and to ``docs/img/dashboard/``; the overview's also to
``docs/img/dashboard.png``."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import yaml

from schemas.experiments import Outcome
from scoring.faulty import constant_model
from streams.dashboard.pages import PAGES
from streams.stack.alertmanager import ALERTMANAGER
from streams.stack.children import LeadstreamProcess
from streams.stack.prometheus import PROMETHEUS
from tests.integration.agents_support import AgentsProcess, run_cli
from tests.integration.alert_support import local_config
from tests.integration.dashboard_support import DashboardProcess, chromium_page
from tests.integration.helpers import (
    ScorerProcess,
    committed_events,
    make_traffic,
    produce_paced,
    registry,
    wait_until,
)
from tests.integration.monitor_helpers import make_kit
from tests.integration.outcome_helpers import produce_outcomes
from tests.integration.serving_support import serving_settings, warm_up
from tests.support.alert_receivers import HttpReceiver, MailReceiver, free_port
from tests.support.crm_server import FakeCrm, Plan

DOCS_IMAGE = Path(__file__).resolve().parents[2] / "docs" / "img" / "dashboard.png"
DOCS_PAGES = DOCS_IMAGE.parent / "dashboard"
CHARTS_WITH_DATA = {"overview": ["latency", "throughput", "rates", "challenger_throughput",
                                 "ops-deadletters", "ops-lag-records", "ops-sink"],
                    "drift": ["psi", "drifted", "missing", "distribution"],
                    "performance": ["estimated", "expected"]}
EXPERIMENT_TABLES = "#tables section[id^='t-arms-'] tbody tr"


def _values(page, chart: str) -> int:
    return page.evaluate(f"Number((document.getElementById('c-{chart}') || "
                         "{dataset: {}}).dataset.values || 0)")


def test_dashboard_pages_live_drift_and_rollback_in_chromium(
        make_settings, redis_client, tmp_path: Path) -> None:
    redis_client.flushdb()
    http, mail = HttpReceiver(), MailReceiver()
    config = tmp_path / "alertmanager.yml"
    config.write_text(yaml.safe_dump(local_config(http, mail)))
    s = serving_settings(make_settings, tmp_path, monitor_window_s=2.0, monitor_lateness_s=0.5,
                         monitor_idle_s=1.0, monitor_tick_s=0.2, rollback_cooldown_s=0.0,
                         control_wait_s=60.0, dashboard_poll_s=0.2, report_interval_s=2.0,
                         monitor_metrics_port=free_port(), prometheus_scrape_interval_s=1.0,
                         alertmanager_config_path=config, alert_resend_s=1.0,
                         dashboard_ops_poll_s=1.0)
    s = s.model_copy(update={"alertmanager_url": ALERTMANAGER.url(s)})
    try:
        ALERTMANAGER.start(s)
        PROMETHEUS.start(s)
        _pages_in_chromium(s, redis_client, tmp_path)
    finally:
        PROMETHEUS.stop(s)
        ALERTMANAGER.stop(s)
        http.close()
        mail.close()


def _pages_in_chromium(s, redis_client, tmp_path: Path) -> None:
    kit = make_kit()
    reg = registry(s)
    good = reg.register(kit.trained, kit.profile, alias="champion")
    bad = reg.register(constant_model(kit.trained), kit.profile)
    twin = reg.register(kit.trained, kit.profile)  # the A/B challenger: the same model
    sent, frame = make_traffic(24_000, s, seed=43, bad_share=0.02)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    errors: list[str] = []
    refused = frozenset(str(x) for x in frame["lead_id"].head(300))  # the CRM refuses these
    crm_plan = Plan(weights={"ok": 0.9, "500": 0.1}, seed=7, refuse=refused)
    with AgentsProcess(s, tmp_path / "agents.log") as agents, \
            ScorerProcess(s, tmp_path / "scorer.log", "--metrics-port", str(free_port())), \
            FakeCrm(crm_plan) as crm, \
            LeadstreamProcess(["sink", "--metrics-port", str(free_port())], s,
                              tmp_path / "sink.log", sink_url=crm.url, sink_token="tok",
                              sink_backoff_s=0.05), \
            DashboardProcess(s, tmp_path / "dashboard.log") as dash, \
            chromium_page(errors) as page:
        warm_up(s, sent[:100])
        out = run_cli(s, "experiment", "start", "--mode", "ab", "--challenger", twin,
                      "--share", "0.5", "--reason", "a twin, for the experiments page")
        assert out.exit_code == 0, out.output + agents.text()[-3000:]
        thread, _ = produce_paced(s, sent[100:], chunks=160, pause_s=0.25)
        wait_until(lambda: committed_events(s) >= 3_000, 90, "traffic on the good version")
        now = datetime.now(UTC)
        produce_outcomes(s, [Outcome(lead_id=str(row.lead_id), converted=bool(row.converted),
                                     occurred_at=now) for row in frame.head(2500).itertuples()])
        wait_until(lambda: dash.payload("drift")["charts"][0]["points"] >= 3, 60,
                   "closed windows on the dashboard")
        wait_until(lambda: any(t["id"] == f"calibration-{good}" and t["rows"]
                               for t in dash.payload("performance")["tables"]), 60,
                   "labelled leads (outcomes joined) on the dashboard")
        wait_until(lambda: sum(len(c["x"]) for c in dash.payload("experiments")["charts"]) >= 2,
                   60, "two looks at the experiment on the dashboard")

        # A new window's drift appears on the open page, without a reload.
        page.goto(f"{dash.url}/drift")
        page.wait_for_function("Number(document.getElementById('c-psi')?.dataset.points) > 0")
        page.evaluate("window.__sameDocument = true")
        before = page.evaluate("Number(document.getElementById('c-psi').dataset.points)")
        page.wait_for_function(
            f"Number(document.getElementById('c-psi').dataset.points) > {before}",
            timeout=15_000)
        assert page.evaluate("window.__sameDocument === true")

        out = run_cli(s, "experiment", "stop", "--reason", "seen enough")
        assert out.exit_code == 0, out.output + agents.text()[-3000:]

        # A rollback shows on the open overview.
        page.goto(f"{dash.url}/overview")
        page.wait_for_selector("body[data-revision]")
        page.evaluate("window.__sameDocument = true")
        out = run_cli(s, "models", "promote", bad, "--reason", "deliberately bad")
        assert out.exit_code == 0, out.output + agents.text()[-3000:]
        page.wait_for_selector("#t-rollbacks tbody tr", timeout=60_000)
        row = page.locator("#t-rollbacks tbody tr").first.inner_text()
        assert f"v{bad}" in row and f"v{good}" in row, row
        assert page.evaluate("window.__sameDocument === true")
        page.wait_for_function("document.querySelector('.state.CRITICAL') !== null",
                               timeout=30_000)
        _operations_panels(s, page)
        page.screenshot(path=str(shots / "overview-rollback.png"), full_page=True)

        # Every page, after the rollback: loads, charts with data, a screenshot.
        for name in PAGES:
            page.goto(f"{dash.url}/{name}")
            page.wait_for_selector("body[data-revision]", timeout=15_000)
            if name == "diagnose":  # the report (built on a thread), importance included
                page.wait_for_selector("#t-findings tbody tr", timeout=90_000)
                page.wait_for_selector("#t-importance tbody tr", timeout=30_000)
            for chart in CHARTS_WITH_DATA.get(name, []):
                page.wait_for_function(
                    f"Number((document.getElementById('c-{chart}') || {{dataset: {{}}}})"
                    ".dataset.values || 0) > 0", timeout=30_000)
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        page.goto(f"{dash.url}/performance")
        page.wait_for_selector(f"#t-calibration-{good} tbody tr", timeout=15_000)
        assert page.locator(f"#t-grades-{good} tbody tr").count() == 4  # grades A-D

        page.goto(f"{dash.url}/experiments")
        page.wait_for_selector(EXPERIMENT_TABLES, timeout=15_000)
        assert page.locator(EXPERIMENT_TABLES).count() == 2  # control and treatment arms
        page.goto(f"{dash.url}/models")
        page.wait_for_selector("#t-audit tbody tr")
        assert "rollback" in page.locator("#t-audit tbody").inner_text()
        page.goto(f"{dash.url}/alerts")
        page.wait_for_selector("#t-alerts tbody tr")
        assert "firing" in page.locator("#t-alerts tbody").inner_text()
        delivered = page.locator("#t-delivered tbody").inner_text()
        assert "LeadstreamRollback" in delivered or "rollback" in delivered.lower(), delivered
        assert "pager" in delivered and "incident-log" in delivered, delivered
        thread.join(120)

        # Prometheus gone: the overview says so instead of showing numbers.
        page.goto(f"{dash.url}/overview")
        PROMETHEUS.stop(s)
        page.wait_for_function("document.getElementById('cards').innerText"
                               ".includes('Prometheus unreachable')", timeout=30_000)
        assert page.locator("#t-ops-lag").count() == 0
        page.screenshot(path=str(shots / "overview-prometheus-down.png"), full_page=True)
    assert errors == [], errors
    DOCS_PAGES.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shots / "overview-rollback.png", DOCS_IMAGE)
    for shot in shots.iterdir():
        shutil.copyfile(shot, DOCS_PAGES / shot.name)
    print(f"\nscreenshots: {sorted(str(p) for p in shots.iterdir())}")


def _operations_panels(s, page) -> None:
    """Dead letters by reason, lag of every group, every process up, the sink's counts."""
    page.wait_for_selector("#t-ops-deadletters tbody tr", timeout=60_000)
    assert "scorer" in page.locator("#t-ops-deadletters tbody").inner_text()
    groups = {s.consumer_group, f"{s.consumer_group}-agents", s.sink_group}
    page.wait_for_function(
        "(() => { const t = document.getElementById('t-ops-lag'); const text = t ? "
        f"t.innerText : ''; return {sorted(groups)!r}.every(g => text.includes(g)); }})()",
        timeout=60_000)
    cards = page.locator("#cards").inner_text()
    for job in ("scorer", "agents", "sink"):
        assert f"{job} 127.0.0.1:" in cards and "UP" in cards, cards
    page.wait_for_function("document.getElementById('cards').innerText.includes('delivered:')",
                           timeout=30_000)
