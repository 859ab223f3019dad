"""The dashboard's pages: their names, titles, and the payload each one shows, built from a
:class:`History` snapshot; ``diagnose`` shows the report of ``leadstream diagnose``
(:mod:`streams.dashboard.diagnosis`)."""

from __future__ import annotations

from dataclasses import dataclass

from streams.dashboard.audit import alerts, models
from streams.dashboard.diagnosis import Diagnoses, diagnose_page
from streams.dashboard.drift import drift
from streams.dashboard.experiments import experiments
from streams.dashboard.feed import Feed
from streams.dashboard.history import History
from streams.dashboard.ops_feed import OpsFeed
from streams.dashboard.overview import overview
from streams.dashboard.performance import performance
from streams.dashboard.profiles import Profiles
from streams.settings import Settings

PAGES = {"overview": "Overview", "drift": "Drift & data quality",
         "performance": "Performance", "experiments": "Experiments", "models": "Models",
         "alerts": "Alerts", "diagnose": "Diagnose"}


@dataclass
class Dashboard:
    """What every page reads: settings, the model shown, its history and feed."""

    settings: Settings
    model: str
    history: History
    feed: Feed | None = None
    profiles: Profiles | None = None
    diagnoses: Diagnoses | None = None
    ops: OpsFeed | None = None

    def payload(self, page: str, feature: str | None = None) -> dict:
        snap = self.history.snapshot()
        s = self.settings
        if page == "overview":
            body = overview(snap, self.model, s.monitor_window_s)
        elif page == "drift":
            body = drift(snap, self.model, s.monitor_psi_warn, s.monitor_psi_critical,
                         self.profiles, feature)
        elif page == "performance":
            body = performance(snap, self.model)
        elif page == "experiments":
            body = experiments(snap, self.model)
        elif page == "models":
            body = models(snap, self.model)
        elif page == "alerts":
            body = alerts(snap, self.model)
        else:
            body = diagnose_page(self.diagnoses, self.model)
        return {"page": page, "revision": snap.revision, "feed_error": self.feed_error,
                "caught_up": self.feed is None or self.feed.caught_up.is_set(), **body}

    @property
    def feed_error(self) -> str | None:
        return self.feed.error if self.feed else None
