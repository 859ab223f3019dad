"""Issue 17: the dashboard on the real stack, in Debian's headless chromium.

Scorer, agents and dashboard run as child processes on the test's topics; CRM traffic and
outcomes flow, and an A/B experiment runs for a while (its challenger: the same model).
Every page loads without a console error and its charts have data; on the open drift page
a new window appears without a reload; a guardrail rollback (a version scoring a constant)
shows on the open overview, then in the models' audit trail and the alerts. Screenshots of
each page go to the test's output folder; the overview's also to ``docs/img/dashboard.png``."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from schemas.experiments import Outcome
from scoring.faulty import constant_model
from streams.dashboard.pages import PAGES
from tests.integration.agents_support import AgentsProcess, run_cli
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

DOCS_IMAGE = Path(__file__).resolve().parents[2] / "docs" / "img" / "dashboard.png"
CHARTS_WITH_DATA = {"overview": ["latency", "throughput", "rates", "challenger_throughput"],
                    "drift": ["psi", "drifted", "missing", "distribution"],
                    "performance": ["estimated", "expected"]}
EXPERIMENT_TABLES = "#tables section[id^='t-arms-'] tbody tr"


def _values(page, chart: str) -> int:
    return page.evaluate(f"Number((document.getElementById('c-{chart}') || "
                         "{dataset: {}}).dataset.values || 0)")


def test_dashboard_pages_live_drift_and_rollback_in_chromium(
        make_settings, redis_client, tmp_path: Path) -> None:
    redis_client.flushdb()
    s = serving_settings(make_settings, tmp_path, monitor_window_s=2.0, monitor_lateness_s=0.5,
                         monitor_idle_s=1.0, monitor_tick_s=0.2, rollback_cooldown_s=0.0,
                         control_wait_s=60.0, dashboard_poll_s=0.2, report_interval_s=2.0)
    kit = make_kit()
    reg = registry(s)
    good = reg.register(kit.trained, kit.profile, alias="champion")
    bad = reg.register(constant_model(kit.trained), kit.profile)
    twin = reg.register(kit.trained, kit.profile)  # the A/B challenger: the same model
    sent, frame = make_traffic(24_000, s, seed=43, bad_share=0.02)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    errors: list[str] = []
    with AgentsProcess(s, tmp_path / "agents.log") as agents, \
            ScorerProcess(s, tmp_path / "scorer.log"), \
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
        page.screenshot(path=str(shots / "overview-rollback.png"), full_page=True)

        # Every page, after the rollback: loads, charts with data, a screenshot.
        for name in PAGES:
            page.goto(f"{dash.url}/{name}")
            page.wait_for_selector("body[data-revision]", timeout=15_000)
            for chart in CHARTS_WITH_DATA.get(name, []):
                page.wait_for_function(
                    f"Number((document.getElementById('c-{chart}') || {{dataset: {{}}}})"
                    ".dataset.values || 0) > 0", timeout=30_000)
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        page.goto(f"{dash.url}/performance")
        page.wait_for_selector(f"#t-calibration-{good} tbody tr", timeout=15_000)
        assert page.locator(f"#t-grades-{good} tbody tr").count() == 4  # grades A-D

        page.goto(f"{dash.url}/experiments")
        assert page.locator(EXPERIMENT_TABLES).count() == 2  # control and treatment arms
        page.goto(f"{dash.url}/models")
        page.wait_for_selector("#t-audit tbody tr")
        assert "rollback" in page.locator("#t-audit tbody").inner_text()
        page.goto(f"{dash.url}/alerts")
        page.wait_for_selector("#t-alerts tbody tr")
        assert "firing" in page.locator("#t-alerts tbody").inner_text()
        thread.join(120)
    assert errors == [], errors
    DOCS_IMAGE.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shots / "overview-rollback.png", DOCS_IMAGE)
    print(f"\nscreenshots: {sorted(str(p) for p in shots.iterdir())}")
