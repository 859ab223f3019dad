"""The web dashboard's settings (``leadstream dashboard``)."""

from __future__ import annotations

from pydantic import Field

from streams.settings.part import SettingsPart


class DashboardSettings(SettingsPart):
    """Where the dashboard listens and how much history it keeps in memory."""

    # --- web dashboard (leadstream dashboard) ---------------------------------------------
    dashboard_host: str = "127.0.0.1"
    """Address the dashboard binds to (loopback by default: put a proxy with
    authentication in front before binding anything else)."""
    dashboard_port: int = Field(8080, ge=1, le=65535)
    """Port of the dashboard's web server."""
    dashboard_history_days: float = Field(30.0, gt=0)
    """Days of monitor windows, audit entries and alerts the dashboard keeps in memory
    (read from the topics from their beginning at start)."""
    dashboard_max_windows: int = Field(50_000, ge=10)
    """At most this many windows per report kind in memory, whatever their age."""
    dashboard_poll_s: float = Field(0.5, gt=0)
    """How often the dashboard polls the topics and Redis for news to push to open pages."""
    dashboard_prometheus_url: str = ""
    """Prometheus the overview's operations panels query (dead letters by reason, consumer
    lag per group, liveness, the sink); empty: the local stack's
    (``http://127.0.0.1:<prometheus_port>``)."""
    dashboard_alertmanager_url: str = ""
    """Alertmanager whose alerts (state, receivers) the alerts page shows; empty:
    ``alertmanager_url``, else the local stack's (``http://127.0.0.1:<alertmanager_port>``)."""
    dashboard_ops_poll_s: float = Field(5.0, gt=0)
    """How often the dashboard asks Prometheus and Alertmanager (their own scrape and
    evaluation intervals are coarser)."""
