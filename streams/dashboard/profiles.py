"""Reference profiles of model versions (from the registry, cached per version) and the
current distribution of a feature or of the score, merged from ``monitor.samples`` counts.

Reference and current share the profile's fixed bins, so they sit side by side exactly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from itertools import pairwise

from mlflow.exceptions import MlflowException

from schemas.errors import LeadstreamError
from schemas.profile import ReferenceProfile
from scoring.registry import ModelRegistry
from streams.settings import Settings

log = logging.getLogger(__name__)


class Profiles:
    """``get(version)``: the version's reference profile, or None while it loads (on a
    thread: the registry may take seconds; ``on_loaded`` is called when it is in), when the
    version has none, or when the registry cannot serve it (asked again after a minute)."""

    RETRY_S = 60.0

    def __init__(self, settings: Settings, model: str,
                 on_loaded: Callable[[], None] = lambda: None):
        self._settings, self._model, self._on_loaded = settings, model, on_loaded
        self._known: dict[str, ReferenceProfile | None] = {}
        self._failed: dict[str, float] = {}
        self._loading: set[str] = set()
        self._lock = threading.Lock()

    def get(self, version: str) -> ReferenceProfile | None:
        with self._lock:
            if version in self._known:
                return self._known[version]
            retry = time.monotonic() - self._failed.get(version, -self.RETRY_S) >= self.RETRY_S
            if version not in self._loading and retry:
                self._loading.add(version)
                threading.Thread(target=self._load, args=(version,), daemon=True,
                                 name=f"profile-{version}").start()
            return None

    def _load(self, version: str) -> None:
        s = self._settings
        try:
            registry = ModelRegistry(s.tracking_uri, self._model, s.model_cache_dir,
                                     s.artifact_root, s.experiment_name)
            profile = registry.load_version(version).profile
        except (LeadstreamError, MlflowException, OSError) as exc:
            log.warning("no reference profile for version %s: %s", version,
                        type(exc).__name__)
            with self._lock:
                self._failed[version] = time.monotonic()
                self._loading.discard(version)
            return
        with self._lock:
            self._known[version] = profile
            self._loading.discard(version)
        self._on_loaded()


def bin_labels(profile: ReferenceProfile, feature: str) -> list[str]:
    """Readable bin names of ``feature`` ('score' for the score), in the profile's order."""
    if feature == "score":
        edges = [0.0, *profile.score.edges, 1.0]
        return [f"{lo:.2f} to {hi:.2f}" for lo, hi in pairwise(edges)]
    if feature in profile.numeric:
        edges = profile.numeric[feature].edges
        inner = [f"< {edges[0]:.3g}"] + [f"{lo:.3g} to {hi:.3g}" for lo, hi in pairwise(edges)]
        return [*inner, f"≥ {edges[-1]:.3g}", "missing"]
    return list(profile.categorical[feature].categories)


def reference_shares(profile: ReferenceProfile, feature: str) -> list[float]:
    if feature == "score":
        return list(profile.score.proportions)
    if feature in profile.numeric:
        return list(profile.numeric[feature].proportions)
    return list(profile.categorical[feature].proportions)


def current_counts(samples: list[dict], feature: str) -> list[int]:
    """Summed bin counts of ``feature`` (or the score) over ``samples``."""
    total: list[int] = []
    for s in samples:
        counts = (s["score_counts"] if feature == "score"
                  else s["numeric"].get(feature) or s["categorical"].get(feature) or [])
        if len(total) < len(counts):
            total += [0] * (len(counts) - len(total))
        for i, c in enumerate(counts):
            total[i] += c
    return total


def features(profile: ReferenceProfile) -> list[str]:
    return ["score", *profile.numeric, *profile.categorical]
