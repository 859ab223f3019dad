"""Alerts end to end on the real stack: a scorer and the agents, the stack's Prometheus
(scraping them through file-based discovery, evaluating the shipped rules) and Alertmanager
(running ``examples/alertmanager.yml`` against local receivers).

A constant-score version is promoted: its score-collapse guardrail breaks, the agents post
the CRITICAL guardrail and the rollback, PagerDuty (format) is paged once per alert group and
resolved when the alerts end; Prometheus answers PromQL for the scorer's throughput, the
guardrail state and the consumer lag; a scorer killed with -9 pages through the
``LeadstreamScorerDown`` rule."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from scoring.faulty import constant_model
from streams.settings import Settings
from streams.stack.alertmanager import ALERTMANAGER
from streams.stack.prometheus import PROMETHEUS
from tests.integration.agents_support import AgentsProcess, run_cli
from tests.integration.alert_support import local_config
from tests.integration.helpers import (
    ScorerProcess,
    committed_events,
    make_traffic,
    produce_paced,
    registry,
    wait_until,
)
from tests.integration.monitor_helpers import make_kit
from tests.integration.serving_support import serving_settings, warm_up
from tests.support.alert_receivers import HttpReceiver, MailReceiver, free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def receivers() -> Iterator[tuple[HttpReceiver, MailReceiver]]:
    http, mail = HttpReceiver(), MailReceiver()
    yield http, mail
    http.close()
    mail.close()


def promql(s: Settings, query: str) -> list[dict]:
    answer = httpx.get(f"http://127.0.0.1:{s.prometheus_port}/api/v1/query",
                       params={"query": query}, timeout=5).json()
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


def scalar(s: Settings, query: str) -> float | None:
    result = promql(s, query)
    return float(result[0]["value"][1]) if result else None


def pages(http: HttpReceiver, kind: str) -> list[dict]:
    """PagerDuty events of the groups whose alerts are of ``kind``."""
    events = http.at("/pagerduty")
    keys = {e["dedup_key"] for e in events
            if e.get("payload", {}).get("custom_details", {}).get("kind") == kind}
    return [e for e in events if e["dedup_key"] in keys]


def test_breach_pages_once_resolves_prometheus_answers_and_a_killed_scorer_pages(
        make_settings, redis_client, receivers, tmp_path: Path) -> None:
    http, mail = receivers
    redis_client.flushdb()
    config = tmp_path / "alertmanager.yml"
    config.write_text(yaml.safe_dump(local_config(http, mail)))
    s = serving_settings(make_settings, tmp_path, monitor_window_s=2.0, monitor_lateness_s=0.5,
                         monitor_idle_s=1.0, monitor_tick_s=0.2, rollback_cooldown_s=0.0,
                         control_wait_s=60.0, monitor_metrics_port=free_port(),
                         prometheus_scrape_interval_s=1.0, alert_resend_s=1.0,
                         alert_event_ttl_s=8.0, alertmanager_config_path=config)
    s = s.model_copy(update={"alertmanager_url": ALERTMANAGER.url(s)})
    scorer_port = free_port()
    kit = make_kit()
    reg = registry(s)
    good = reg.register(kit.trained, kit.profile, alias="champion")
    bad = reg.register(constant_model(kit.trained), kit.profile)
    sent, _ = make_traffic(12_000, s, seed=43, bad_share=0.02)
    try:
        ready = [ALERTMANAGER.start(s), PROMETHEUS.start(s)]
        print("\n" + ", ".join(f"{r.name} ready in {r.seconds:.2f}s" for r in ready))
        with AgentsProcess(s, tmp_path / "agents.log") as agents, \
                ScorerProcess(s, tmp_path / "scorer.log", "--metrics-port",
                              str(scorer_port)) as scorer:
            warm_up(s, sent[:100])
            thread, _ = produce_paced(s, sent[100:], chunks=60, pause_s=0.2)
            wait_until(lambda: committed_events(s) >= 3_000, 60, "traffic on the good version")
            _promql_answers(s, good)
            out = run_cli(s, "models", "promote", bad, "--reason", "deliberately bad")
            assert out.exit_code == 0, out.output + agents.text()[-3000:]
            promoted = time.monotonic()
            wait_until(lambda: pages(http, "rollback"), 60, "the rollback's page")
            print(f"rollback paged {time.monotonic() - promoted:.1f}s after the promotion")
            level = (f'leadstream_monitor_guardrail_level{{model="{s.model_name}",'
                     f'version="{bad}",guardrail="score_collapse"}}')
            wait_until(lambda: scalar(s, level) == 2, 30, "the CRITICAL state in Prometheus")
            thread.join(120)
            wait_until(lambda: committed_events(s) >= len(sent), 120, "every event committed")
            _breach_paged_once_and_resolved(http)
            lag = f'sum(leadstream_consumer_lag_records{{group="{s.consumer_group}"}})'
            wait_until(lambda: scalar(s, lag) == 0, 30, "no lag once every event is committed")
            scorer.kill9()
            killed = time.monotonic()
            wait_until(lambda: pages(http, "scorer_down"), 90, "the scorer-down page")
            print(f"scorer killed -> paged in {time.monotonic() - killed:.1f}s "
                  f"(rule: up == 0 for 30s, scrape and evaluation every 1s)")
    finally:
        PROMETHEUS.stop(s)
        ALERTMANAGER.stop(s)


def _promql_answers(s: Settings, good: str) -> None:
    """Throughput from the scorer's counters, the guardrail state from the agents' gauges,
    lag per partition of the scorer's group."""
    rate = 'sum(rate(leadstream_scorer_scored_total{job="leadstream-scorer"}[5s]))'
    wait_until(lambda: (scalar(s, rate) or 0) > 0, 30, "the scorer's throughput in Prometheus")
    healthy = (f'max(leadstream_monitor_guardrail_level{{model="{s.model_name}",'
               f'version="{good}"}})')
    wait_until(lambda: scalar(s, healthy) == 0, 30, "the good version's guardrails")
    states = promql(s, f'leadstream_monitor_guardrail_level{{model="{s.model_name}"}}')
    parts = promql(s, f'leadstream_consumer_lag_records{{group="{s.consumer_group}"}}')
    up = {r["metric"]["job"]: r["value"][1] for r in promql(s, "up")}
    print(f"PromQL: scored/s = {scalar(s, rate):.0f}; guardrails "
          f"{sorted(r['metric']['guardrail'] for r in states)} = 0; lag series for "
          f"{len(parts)} partitions; up = {up}")
    assert len(parts) == s.incoming_partitions
    assert up == {"leadstream-scorer": "1", "leadstream-agents": "1"}


def _breach_paged_once_and_resolved(http: HttpReceiver) -> None:
    """Each group of the breach (the rollback; the guardrail) is triggered once, re-posts
    notwithstanding, and resolved under the same dedup key when its alerts end."""
    for kind in ("rollback", "guardrail"):
        wait_until(lambda k=kind: any(p["event_action"] == "resolve" for p in pages(http, k)),
                   60, f"the {kind} page resolved")
        events = pages(http, kind)
        print(f"{kind}: PagerDuty {[e['event_action'] for e in events]}")
        assert [e["event_action"] for e in events] == ["trigger", "resolve"]
        assert events[0]["dedup_key"] == events[1]["dedup_key"]
