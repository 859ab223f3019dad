"""Posting alerts to Alertmanager (``POST /api/v2/alerts``) with retries, and counting it.

A connection error, a timeout or a 5xx answer is tried again (three attempts, exponential
backoff); what still fails is counted (``leadstream_alerts_post_failures_total``) and logged,
and the caller goes on: an Alertmanager outage never stops an agent, and the next report or
resend posts the state again. A 4xx answer (an alert Alertmanager refuses) is not retried.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import httpx
from prometheus_client import CollectorRegistry, Counter, Gauge
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from streams.alerting.alert import Alert
from streams.redact import redact_url

log = logging.getLogger(__name__)
PATH = "/api/v2/alerts"
ATTEMPTS = 3


class _Transient(Exception):
    """A 5xx answer: Alertmanager may take it on the next try."""


class AlertMetrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = r = registry or CollectorRegistry()
        self.posted = Counter("leadstream_alerts_posted",
                              "Alerts posted to Alertmanager (firing or resolved), by kind "
                              "and severity.", ["kind", "severity"], registry=r)
        self.failures = Counter("leadstream_alerts_post_failures",
                                "Posts to Alertmanager that failed every try.", registry=r)
        self.unreadable = Counter("leadstream_alerts_unreadable_records",
                                  "Event records the alert agent could not read (skipped; the "
                                  "record stays on its topic), by topic.", ["topic"],
                                  registry=r)
        self.firing = Gauge("leadstream_alerts_guardrails_firing",
                            "Guardrail alerts firing, as last posted.", registry=r)


class AlertmanagerClient:
    def __init__(self, url: str, timeout_s: float, metrics: AlertMetrics,
                 backoff_s: float = 0.2):
        self._http = httpx.AsyncClient(base_url=url.rstrip("/"), timeout=timeout_s)
        self._wait = wait_exponential_jitter(initial=backoff_s, max=5.0)
        self.metrics = metrics

    async def post(self, alerts: Sequence[Alert]) -> bool:
        """Post ``alerts`` in one request; False (counted, logged) if every try failed."""
        if not alerts:
            return True
        body = [a.payload() for a in alerts]
        retrying = AsyncRetrying(stop=stop_after_attempt(ATTEMPTS), wait=self._wait,
                                 retry=retry_if_exception_type((_Transient, httpx.TransportError)),
                                 reraise=True)
        try:
            async for attempt in retrying:
                with attempt:
                    await self._post_once(body)
        except (_Transient, httpx.HTTPError) as exc:
            self.metrics.failures.inc()
            log.warning("Alertmanager did not take %d alert(s): %s: %s", len(alerts),
                        type(exc).__name__, redact_url(str(exc)))
            return False
        for alert in alerts:
            self.metrics.posted.labels(alert.kind, alert.severity.value).inc()
        return True

    async def _post_once(self, body: list[dict]) -> None:
        answer = await self._http.post(PATH, json=body)
        if answer.status_code >= 500:
            raise _Transient(f"HTTP {answer.status_code}: {answer.text[:200]}")
        answer.raise_for_status()

    async def close(self) -> None:
        await self._http.aclose()
