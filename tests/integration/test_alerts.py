"""Alerts through the real Alertmanager (Debian's ``prometheus-alertmanager``) running the
shipped routing example against local receivers: webhook, Slack and PagerDuty formats over
HTTP, e-mail over SMTP (aiosmtpd). The agents' notifier posts guardrail states and events
exactly as the alert agent does."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from schemas.control import ModelRole, RollbackEvent
from schemas.monitor import GuardrailLevel
from streams.alerting.alert import Alert, AlertSeverity
from streams.alerting.client import AlertmanagerClient, AlertMetrics
from streams.alerting.events import rollback_alert
from streams.alerting.notifier import Notifier
from streams.settings import Settings
from streams.stack.alertmanager import ALERTMANAGER
from tests.integration.alert_support import (
    GROUP_INTERVAL_S,
    local_config,
    pages_for,
    report,
    slack_for,
    webhook_for,
)
from tests.support.alert_receivers import HttpReceiver, MailReceiver, free_port, wait_for

pytestmark = pytest.mark.integration
H, W, C = GuardrailLevel.HEALTHY, GuardrailLevel.WARNING, GuardrailLevel.CRITICAL


@pytest.fixture(scope="module")
def receivers() -> Iterator[tuple[HttpReceiver, MailReceiver]]:
    http, mail = HttpReceiver(), MailReceiver()
    yield http, mail
    http.close()
    mail.close()


@pytest.fixture(scope="module")
def alertmanager(receivers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    home = tmp_path_factory.mktemp("alertmanager")
    config = home / "alertmanager.yml"
    config.write_text(yaml.safe_dump(local_config(*receivers)))
    settings = Settings(home=home, alertmanager_port=free_port(),
                        alertmanager_config_path=config, alert_resend_s=1.0)
    started = ALERTMANAGER.start(settings)
    print(f"\nAlertmanager ready in {started.seconds:.2f}s on {started.address}")
    settings = settings.model_copy(update={"alertmanager_url": started.address})
    yield settings
    ALERTMANAGER.stop(settings)


def notifier(settings: Settings) -> Notifier:
    return Notifier(settings, AlertmanagerClient(settings.alertmanager_url, 2.0, AlertMetrics()))


def model() -> str:
    return f"lead-{uuid.uuid4().hex[:8]}"


def test_a_breach_pages_once_and_its_recovery_resolves_it(alertmanager, receivers) -> None:
    http, mail = receivers
    m, n = model(), notifier(alertmanager)

    async def scenario() -> None:
        assert await n.guardrail_report(report(m, C, H))
        for _ in range(4):  # still firing: re-posted, as Alertmanager expects
            await asyncio.sleep(0.5)
            assert await n.resend()
            assert await n.guardrail_report(report(m, C, C))
        wait_for(lambda: pages_for(http, m), 15, "the page")
        await asyncio.sleep(2 * GROUP_INTERVAL_S + 1)
        assert await n.guardrail_report(report(m, H, C))

    asyncio.run(scenario())
    wait_for(lambda: any(p["event_action"] == "resolve" for p in pages_for(http, m)), 15,
             "PagerDuty's resolve")
    pages = pages_for(http, m)
    print(f"PagerDuty events: {[p['event_action'] for p in pages]}")
    assert [p["event_action"] for p in pages] == ["trigger", "resolve"]
    assert pages[0]["dedup_key"] == pages[1]["dedup_key"]  # the same incident
    assert pages[0]["payload"]["custom_details"]["model"] == m
    assert pages[0]["payload"]["severity"] == "critical"
    wait_for(lambda: [b["status"] for b in webhook_for(http, m)] == ["firing", "resolved"], 10,
             "the webhook's firing and resolved")
    hook = webhook_for(http, m)[0]
    assert hook["commonLabels"].items() >= {"model": m, "version": "3", "severity": "critical",
                                            "kind": "guardrail",
                                            "guardrail": "latency_p95"}.items()

    def subjects() -> list[str]:
        return [msg["Subject"] for msg in mail.to("oncall@example.com") if m in msg["Subject"]]

    wait_for(lambda: len(subjects()) >= 2, 15, "the on-call e-mails")
    subjects = subjects()
    print(f"on-call e-mail subjects: {subjects}")
    assert [s.split("]")[0] for s in subjects] == ["[FIRING:1", "[RESOLVED"]
    assert slack_for(http, "ml-alerts", m) == []  # critical goes to the pager, not the channel


def test_a_flapping_guardrail_does_not_storm(alertmanager, receivers) -> None:
    http, mail = receivers
    m, n = model(), notifier(alertmanager)
    levels = [W, H] * 6 + [W]

    async def flap() -> float:
        start = time.monotonic()
        previous = H
        for level in levels:
            assert await n.guardrail_report(report(m, level, previous))
            previous = level
            await asyncio.sleep(0.25)
        return time.monotonic() - start

    took = asyncio.run(flap())
    time.sleep(2 * GROUP_INTERVAL_S + 1)  # every notification the flaps could cause is out
    channel = slack_for(http, "ml-alerts", m)
    mails = [msg for msg in mail.to("ml-team@example.com") if m in msg["Subject"]]
    print(f"{len(levels)} states in {took:.1f}s -> {len(channel)} Slack message(s), "
          f"{len(mails)} e-mail(s), {len(webhook_for(http, m))} webhook call(s)")
    assert 1 <= len(channel) <= 1 + took / GROUP_INTERVAL_S + 1 < len(levels) / 2
    assert 1 <= len(mails) <= len(channel)
    assert pages_for(http, m) == []  # a warning never pages


def test_a_rollback_inhibits_the_same_models_warnings(alertmanager, receivers) -> None:
    http, _ = receivers
    m, other, n = model(), model(), notifier(alertmanager)
    now = datetime.now(UTC)
    rollback = RollbackEvent(event_id=f"rb-{m}", model_name=m, role=ModelRole.CHAMPION,
                             version="3", guardrail="score_collapse", evidence={"psi": 3.1},
                             window_start=now - timedelta(minutes=1), window_end=now,
                             emitted_at=now)

    async def post() -> None:
        assert await n.event(rollback_alert(rollback, timedelta(minutes=5)))
        assert await n.guardrail_report(report(m, W, H, guardrail="drift"))
        assert await n.guardrail_report(report(other, W, H, guardrail="drift"))

    asyncio.run(post())
    wait_for(lambda: pages_for(http, m) and slack_for(http, "ml-alerts", other), 15,
             "the rollback's page and the other model's warning")
    time.sleep(GROUP_INTERVAL_S + 1)
    assert pages_for(http, m)[0]["payload"]["custom_details"]["kind"] == "rollback"
    assert slack_for(http, "ml-alerts", m) == []  # inhibited by the rollback
    assert len(slack_for(http, "ml-alerts", other)) == 1  # not the other model's


def test_an_event_alert_resolves_at_its_end_and_info_goes_to_the_info_channel(
        alertmanager, receivers) -> None:
    """One-off events carry their own ``endsAt``: Alertmanager resolves them unasked."""
    http, _ = receivers
    m = model()
    now = datetime.now(UTC)
    alert = Alert("LeadstreamRetrainTriggered", m, "3", AlertSeverity.INFO, "retrain", now,
                  now + timedelta(seconds=3), summary=f"{m}: retrain triggered")
    assert asyncio.run(notifier(alertmanager).event(alert))
    wait_for(lambda: [b["status"] for b in webhook_for(http, m)] == ["firing", "resolved"], 20,
             "the event's firing and resolved webhook calls")
    assert len(slack_for(http, "leadstream-info", m)) == 1  # info: no resolved message
    assert slack_for(http, "ml-alerts", m) == [] and pages_for(http, m) == []


def test_alertmanager_down_is_counted_not_raised(tmp_path: Path) -> None:
    metrics = AlertMetrics()
    client = AlertmanagerClient(f"http://127.0.0.1:{free_port()}", 0.5, metrics, backoff_s=0.01)
    n = Notifier(Settings(home=tmp_path), client)
    assert asyncio.run(n.guardrail_report(report(model(), C, H))) is False
    assert metrics.failures._value.get() == 1


def test_the_api_holds_the_posted_labels(alertmanager) -> None:
    m = model()
    assert asyncio.run(notifier(alertmanager).guardrail_report(report(m, W, H)))
    alerts = httpx.get(f"{alertmanager.alertmanager_url}/api/v2/alerts",
                       params={"filter": f'model="{m}"'}).json()
    assert len(alerts) == 1
    assert alerts[0]["labels"].items() >= {"alertname": "LeadstreamGuardrail", "model": m,
                                           "version": "3", "severity": "warning",
                                           "kind": "guardrail", "role": "champion"}.items()
    assert alerts[0]["status"]["state"] == "active"
