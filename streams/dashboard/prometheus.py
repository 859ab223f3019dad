"""Reading Prometheus's HTTP API (``/api/v1/query``, ``query_range``, ``targets``) and
Alertmanager's (``GET /api/v2/alerts``) with httpx, for the overview's operations panels
and the alerts page.

Anything but a successful answer raises :class:`Unreachable` with a message that names the
service and why (the URL's credentials redacted): the pages then say so, never zeros.
"""

from __future__ import annotations

import httpx

from streams.redact import redact_url
from streams.settings import Settings

Sample = tuple[dict[str, str], float]
Range = tuple[dict[str, str], list[tuple[float, float]]]


class Unreachable(Exception):
    """Prometheus or Alertmanager did not answer (or answered an error)."""


def prometheus_url(settings: Settings) -> str:
    return (settings.dashboard_prometheus_url
            or f"http://127.0.0.1:{settings.prometheus_port}").rstrip("/")


def alertmanager_url(settings: Settings) -> str:
    return (settings.dashboard_alertmanager_url or settings.alertmanager_url
            or f"http://127.0.0.1:{settings.alertmanager_port}").rstrip("/")


class HttpApi:
    """One service's API; ``name`` says which in errors."""

    def __init__(self, name: str, url: str, timeout_s: float = 3.0):
        self.name, self.url = name, url
        self._http = httpx.Client(base_url=url, timeout=timeout_s)

    def get(self, path: str, **params: object) -> object:
        try:
            answer = self._http.get(path, params=params)
            answer.raise_for_status()
            return answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise Unreachable(f"{self.name} at {redact_url(self.url)} did not answer "
                              f"({type(exc).__name__})") from exc

    def close(self) -> None:
        self._http.close()


class PrometheusApi(HttpApi):
    def __init__(self, url: str, timeout_s: float = 3.0):
        super().__init__("Prometheus", url, timeout_s)

    def _data(self, path: str, **params: object) -> object:
        body = self.get(path, **params)
        if not isinstance(body, dict) or body.get("status") != "success":
            error = body.get("error") if isinstance(body, dict) else "not JSON"
            raise Unreachable(f"Prometheus refused {path}: {error}")
        return body["data"]

    def query(self, expr: str) -> list[Sample]:
        """An instant vector: ``(labels, value)`` per series (NaN kept as NaN)."""
        data = self._data("/api/v1/query", query=expr)
        return [(r["metric"], float(r["value"][1])) for r in data["result"]]

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Range]:
        data = self._data("/api/v1/query_range", query=expr, start=start, end=end, step=step)
        return [(r["metric"], [(float(t), float(v)) for t, v in r["values"]])
                for r in data["result"]]

    def targets(self) -> list[dict]:
        """The active scrape targets (labels, health, last scrape, last error)."""
        return self._data("/api/v1/targets", state="active")["activeTargets"]


class AlertmanagerApi(HttpApi):
    def __init__(self, url: str, timeout_s: float = 3.0):
        super().__init__("Alertmanager", url, timeout_s)

    def alerts(self) -> list[dict]:
        """Every alert Alertmanager holds now (firing, silenced or inhibited): labels,
        ``status`` (state, inhibitedBy, silencedBy), ``receivers``, startsAt, endsAt,
        fingerprint. Resolved alerts are not in this answer."""
        body = self.get("/api/v2/alerts")
        if not isinstance(body, list):
            raise Unreachable("Alertmanager answered /api/v2/alerts with no list")
        return body
