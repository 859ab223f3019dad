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
            self.poll_once()
            self._stop.wait(self.every_s)

    def poll_once(self) -> None:
        ops = read_ops(self.prometheus, step_s=self.step_s)
        if not ops["ok"]:
            log.warning("operations panels: %s", ops["error"])
        self.history.set_ops("prometheus", ops)
        now = time.time()
        try:
            self.deliveries.update(self.alertmanager.alerts(), now)
            delivered = {"ok": True, "at": now, "url": self.alertmanager.url,
                         "alerts": self.deliveries.rows()}
        except Unreachable as exc:
            log.warning("alerts page: %s", exc)
            delivered = {"ok": False, "at": now, "url": self.alertmanager.url,
                         "error": str(exc), "alerts": self.deliveries.rows()}
        self.history.set_ops("alertmanager", delivered)
