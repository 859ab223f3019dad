"""What the notifier posts for one-off events: nothing for history (an alert already
ended), once per alert identity within a resend period, each identity on its own."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from streams.alerting.alert import Alert, AlertSeverity
from streams.alerting.client import AlertmanagerClient, AlertMetrics
from streams.alerting.notifier import Notifier
from streams.settings import Settings
from tests.support.alert_receivers import Answers


def _alert(model: str, starts: datetime, ttl_s: float = 60) -> Alert:
    return Alert("LeadstreamSinkFailure", model, "1", AlertSeverity.WARNING, "sink_failure",
                 starts, starts + timedelta(seconds=ttl_s))


def test_history_is_not_posted_and_a_burst_is_one_post(tmp_path: Path) -> None:
    server = Answers([200])
    n = Notifier(Settings(home=tmp_path, alert_resend_s=60),
                 AlertmanagerClient(server.url, 2.0, AlertMetrics()))
    now = datetime.now(UTC)

    async def run() -> list[bool]:
        return [await n.event(_alert("m", now - timedelta(hours=2))),  # ended long ago
                await n.event(_alert("m", now)),
                await n.event(_alert("m", now + timedelta(seconds=1))),  # same labels: a burst
                await n.event(_alert("other", now))]

    try:
        assert asyncio.run(run()) == [False, True, False, True]
    finally:
        server.close()
    assert [[a["labels"]["model"] for a in body] for body in server.bodies] == [["m"], ["other"]]
