"""The dashboard's second feed: Prometheus (the overview's operations panels,
:mod:`streams.dashboard.ops`) and Alertmanager (where each alert went,
:mod:`streams.dashboard.deliveries`), asked on a thread every ``dashboard_ops_poll_s`` and
kept in the :class:`History` (``ops``: ``prometheus`` and ``alertmanager``), so open pages
get the news pushed like the topics'. A service that does not answer is said on the pages;
its last answer is not shown as if it were current.
"""

from __future__ import annotations

import logging
import threading
import time

from streams.dashboard.deliveries import Deliveries
from streams.dashboard.history import History
from streams.dashboard.ops import read_ops
from streams.dashboard.prometheus import (
    AlertmanagerApi,
    PrometheusApi,
    Unreachable,
    alertmanager_url,
    prometheus_url,
)
from streams.settings import Settings

log = logging.getLogger(__name__)


class OpsFeed:
    def __init__(self, settings: Settings, history: History):
        self.history, self.every_s = history, settings.dashboard_ops_poll_s
        self.step_s = max(15.0, settings.prometheus_scrape_interval_s)
        self.prometheus = PrometheusApi(prometheus_url(settings))
        self.alertmanager = AlertmanagerApi(alertmanager_url(settings))
        self.deliveries = Deliveries()
        self._said: dict[str, str | None] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dashboard-ops", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.prometheus.close()
        self.alertmanager.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # an answer we cannot read: said, tried again
                error = f"an unreadable answer ({type(exc).__name__}); see the dashboard's log"
                if self._said.get("bug") != error:
                    log.exception("operations panels")
                    self._said["bug"] = error
                self.history.set_ops("prometheus", {"ok": False, "at": time.time(),
                                                    "url": self.prometheus.url, "error": error})
            self._stop.wait(self.every_s)

    def poll_once(self) -> None:
        ops = read_ops(self.prometheus, step_s=self.step_s)
        self._say("prometheus", ops.get("error"))
        self.history.set_ops("prometheus", ops)
        now = time.time()
        try:
            self.deliveries.update(self.alertmanager.alerts(), now)
            delivered = {"ok": True, "at": now, "url": self.alertmanager.url,
                         "alerts": self.deliveries.rows()}
            self._say("alertmanager", None)
        except Unreachable as exc:
            self._say("alertmanager", str(exc))
            delivered = {"ok": False, "at": now, "url": self.alertmanager.url,
                         "error": str(exc), "alerts": self.deliveries.rows()}
        self.history.set_ops("alertmanager", delivered)

    def _say(self, source: str, error: str | None) -> None:
        """Log a service going away or coming back once, not on every poll."""
        if self._said.get(source, None) != error:
            if error:
                log.warning("%s: %s; the pages say so", source, error)
            elif source in self._said:
                log.info("%s answers again", source)
            self._said[source] = error
