"""The Alertmanager client against a local HTTP server: 5xx retried, 4xx not, what still
fails counted and logged without the URL's password; nothing raised into the agent."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from streams.alerting.alert import Alert, AlertSeverity
from streams.alerting.client import ATTEMPTS, AlertmanagerClient, AlertMetrics
from tests.support.alert_receivers import Answers

NOW = datetime.now(UTC)
ALERT = Alert("X", "m", "1", AlertSeverity.WARNING, "guardrail", NOW, NOW + timedelta(minutes=1))


@pytest.mark.parametrize(("codes", "ok", "tries"), [
    ([200], True, 1), ([503, 500, 200], True, 3), ([503], False, ATTEMPTS), ([400], False, 1)])
def test_retries_and_failures(codes: list[int], ok: bool, tries: int,
                              caplog: pytest.LogCaptureFixture) -> None:
    server, metrics = Answers(codes), AlertMetrics()
    client = AlertmanagerClient(server.url, 2.0, metrics, backoff_s=0.01)
    try:
        with caplog.at_level(logging.WARNING):
            assert asyncio.run(client.post([ALERT])) is ok
    finally:
        server.close()
    assert len(server.bodies) == tries
    assert server.bodies[0] == [ALERT.payload()]
    assert metrics.failures._value.get() == (0 if ok else 1)
    assert metrics.posted.labels("guardrail", "warning")._value.get() == (1 if ok else 0)
    assert "secret-pw" not in caplog.text
    assert ok or "did not take 1 alert" in caplog.text
