"""The scorer's first plan, fast: from the disk cache when it can, MLflow off the start path.

A restarted scorer must score within seconds. Importing MLflow and resolving an alias
through its store costs about 2.5 s of CPU on the 2-core development box (several times
that when the box is loaded), more than the rest of the start. So:

- the serving configuration in force (``models.control``) names its versions, which are
  immutable: they load from the disk cache (:class:`~scoring.model_cache.ModelCache`);
  MLflow is imported only for a version not cached yet (:class:`LazyRegistry`);
- with no configuration, the champion alias: the version the cache last saw it point to
  is served at once, and a background thread asks MLflow (:func:`confirm_champion`, through
  a child process: :mod:`~streams.scorer.champion_probe`). If
  the alias has moved meanwhile, the scorer swaps to the version it points to between two
  batches, unless a serving configuration has arrived (that wins). The same cache is what
  the scorer serves when MLflow is down, so this is the registry's own fallback, used first;
- nothing cached: MLflow at start, as before.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable

from schemas.errors import ModelUnavailable
from scoring.model import ServingModel
from scoring.model_cache import ModelCache
from scoring.serving import ServingPlan
from streams.scorer import champion_probe
from streams.scorer.plans import warmed
from streams.settings import Settings

log = logging.getLogger(__name__)
CHAMPION = "champion"


class LazyRegistry:
    """The MLflow registry adapter, imported and built on first use; versions in the disk
    cache are loaded without it."""

    def __init__(self, settings: Settings):
        self._settings = settings
        self._lock = threading.Lock()
        self._registry = None
        self.cache = ModelCache(settings.model_cache_dir, settings.model_name)

    def get(self):
        with self._lock:
            if self._registry is None:
                from scoring.registry import ModelRegistry

                s = self._settings
                self._registry = ModelRegistry(s.tracking_uri, s.model_name,
                                               s.model_cache_dir, s.artifact_root)
            return self._registry

    def load_version(self, version: str, alias_label: str = "") -> ServingModel:
        """One version by number: the cache first (versions are immutable), else MLflow."""
        if self.cache.has(version):
            return self._serving(self.cache.load(version, alias_label or f"v{version}"))
        return self._serving(self.get().load_version(version, alias_label))

    def load_champion(self) -> ServingModel:
        """The champion alias through MLflow (or the cache when MLflow is unreachable)."""
        return self._serving(self.get().load(alias=CHAMPION))

    def confirm_champion_elsewhere(self) -> ServingModel:
        """The champion alias through MLflow asked in a child process
        (:mod:`streams.scorer.champion_probe`, which caches the version), then loaded from
        the cache: the scorer never imports MLflow for a cached champion."""
        s = self._settings
        version = champion_probe.ask(s.tracking_uri, s.model_name, s.model_cache_dir,
                                     s.artifact_root, CHAMPION)
        return self.load_version(version, CHAMPION)

    def _serving(self, model: ServingModel) -> ServingModel:
        """``model`` predicting on ``serving_threads`` OpenMP threads."""
        model.booster.set_param({"nthread": self._settings.serving_threads})
        return model

    def cached_champion(self) -> ServingModel | None:
        """The version the cache last saw the champion alias point to, if it holds it."""
        version = self.cache.aliases().get(CHAMPION)
        if version is None or not self.cache.has(version):
            return None
        try:
            return self._serving(self.cache.load(version, CHAMPION))
        except (ModelUnavailable, OSError, ValueError) as exc:
            log.warning("cannot load cached %s v%s (%s): asking MLflow",
                        self.cache.model_name, version, exc)
            return None


def confirm_champion(registry: LazyRegistry, serving: ServingModel,
                     swap: Callable[[ServingPlan], None]) -> threading.Thread:
    """Ask MLflow, from a daemon thread and through a child process (importing MLflow
    here would cost the scorer ~110 MB of RSS for good), where the champion alias points;
    ``swap`` to it if it is not the cached version being served.

    What the thread allocates lands after ``leadstream score`` froze its start-up heap out
    of the garbage collector's reach: it freezes that too once it is done."""

    def run() -> None:
        try:
            model = registry.confirm_champion_elsewhere()
        except Exception as exc:  # any failure: keep serving the cached champion
            log.warning("could not confirm %s@%s with MLflow (%s): serving v%s from the "
                        "cache", serving.name, CHAMPION, exc, serving.version)
            return
        finally:
            gc.freeze()  # the MLflow heap joins the frozen start-up heap (cli/score.py)
        if model.version == serving.version:
            log.info("MLflow confirms %s@%s = v%s", serving.name, CHAMPION, serving.version)
            return
        log.warning("%s@%s points to v%s, not the cached v%s: serving v%s from the next batch",
                    serving.name, CHAMPION, model.version, serving.version, model.version)
        swap(ServingPlan(warmed(model)))

    thread = threading.Thread(target=run, name="confirm-champion", daemon=True)
    thread.start()
    return thread
