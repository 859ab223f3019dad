"""The scorer's side of the control plane, between two batches: what to serve next.

:meth:`ServingControl.next_plan` is called by the scorer loop between two batches, never
during one. It polls ``models.control`` (non-blocking) and hands a new configuration to
the :class:`~streams.scorer.plans.PlanLoader`, which loads its versions in the background;
a plan is returned once it is loaded whole. :meth:`ServingControl.swap` is the manual seam
(tests, embedding): a plan given there wins over a loaded one;
:meth:`ServingControl.swap_unless_configured` is the start-up alias check's, which a serving
configuration overrides.
"""

from __future__ import annotations

import logging
import threading

from scoring.serving import ServingPlan
from streams.control.client import ServingConfigFeed
from streams.scorer.plans import PlanLoader, versions

log = logging.getLogger(__name__)


class ServingControl:
    def __init__(self, feed: ServingConfigFeed | None = None, loader: PlanLoader | None = None,
                 configured: bool = False):
        self._feed = feed
        self._loader = loader
        self._lock = threading.Lock()
        self._manual: ServingPlan | None = None
        self._configured = configured  # a serving configuration has been seen

    def swap(self, plan: ServingPlan) -> None:
        """Serve ``plan`` from the next batch on (thread-safe)."""
        with self._lock:
            self._manual = plan

    def swap_unless_configured(self, plan: ServingPlan) -> None:
        """Like :meth:`swap`, unless a serving configuration has been seen: it wins (the
        start-up check of the champion alias, :mod:`streams.scorer.startup`)."""
        with self._lock:
            if not self._configured:
                self._manual = plan

    def next_plan(self) -> ServingPlan | None:
        """A new plan to serve from the next batch, or None to keep the current one."""
        with self._lock:
            manual, self._manual = self._manual, None
        if self._feed is not None and self._loader is not None:
            config = self._feed.poll()
            if config is not None:
                with self._lock:
                    self._configured = True
                log.info("serving config #%d arrived (%s; %s by %s): loading",
                         config.sequence, versions(config), config.reason or "no reason",
                         config.actor)
                self._loader.want(config)
        loaded = self._loader.ready() if self._loader is not None else None
        return manual or loaded

    def close(self) -> None:
        if self._loader is not None:
            self._loader.close()
        if self._feed is not None:
            self._feed.close()
