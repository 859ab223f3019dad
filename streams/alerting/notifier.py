"""What the agents hand their events to: guardrail reports and one-off events in, posts to
Alertmanager out.

* a guardrail report posts its firing and recovered guardrails at once
  (:class:`~streams.alerting.guardrails.GuardrailAlerts`);
* a one-off event posts its alert unless the same alert (same labels) was posted less than
  ``alert_resend_s`` ago (a burst of sink failures is one alert, refreshed);
  events older than their alert's life are not posted (a topic read from its start);
* :meth:`Notifier.resend` (a timer every ``alert_resend_s``) posts the firing guardrail alerts
  again.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from schemas.monitor import GuardrailReport
from streams.alerting.alert import Alert, seconds
from streams.alerting.client import AlertmanagerClient
from streams.alerting.events import is_current
from streams.alerting.guardrails import GuardrailAlerts
from streams.settings import Settings

HOLD_RESENDS = 4
"""A firing guardrail alert's ``endsAt`` is this many resend periods ahead (Prometheus
uses four evaluation intervals the same way)."""


class Notifier:
    def __init__(self, settings: Settings, client: AlertmanagerClient):
        self.client = client
        self.resend_s = settings.alert_resend_s
        self.ttl = seconds(settings.alert_event_ttl_s)
        stale = 2 * settings.monitor_window_s + settings.monitor_lateness_s
        self.guardrails = GuardrailAlerts(seconds(HOLD_RESENDS * self.resend_s),
                                          seconds(max(stale, HOLD_RESENDS * self.resend_s)))
        self._posted: dict[tuple, float] = {}

    async def guardrail_report(self, report: GuardrailReport,
                               now: datetime | None = None) -> bool:
        alerts = self.guardrails.on_report(report, now or datetime.now(UTC))
        self.client.metrics.firing.set(len(self.guardrails.firing))
        return await self.client.post(alerts)

    async def event(self, alert: Alert) -> bool:
        """Post a one-off event's alert (skipped: already ended, or posted just now)."""
        if not is_current(alert):
            return False
        last = self._posted.get(alert.identity)
        clock = time.monotonic()
        if last is not None and clock - last < self.resend_s:
            return False
        self._forget_old(clock)
        self._posted[alert.identity] = clock
        return await self.client.post([alert])

    async def resend(self, now: datetime | None = None) -> bool:
        due = self.guardrails.due(now or datetime.now(UTC))
        self.client.metrics.firing.set(len(due))
        return await self.client.post(due)

    def _forget_old(self, clock: float) -> None:
        """Keep the throttle's memory bounded: only identities posted within a resend."""
        if len(self._posted) > 1000:
            self._posted = {k: t for k, t in self._posted.items() if clock - t < self.resend_s}
