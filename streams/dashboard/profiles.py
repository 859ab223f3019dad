"""Reference profiles of model versions (from the registry, cached per version) and the
current distribution of a feature or of the score, merged from ``monitor.samples`` counts.

Reference and current share the profile's fixed bins, so they sit side by side exactly.
"""

from __future__ import annotations

import logging
import threading
from itertools import pairwise

from schemas.errors import LeadstreamError
from schemas.profile import ReferenceProfile
from scoring.registry import ModelRegistry
from streams.settings import Settings

log = logging.getLogger(__name__)


class Profiles:
    """``get(version)``: the version's reference profile, or None if it has none or the
    registry cannot serve it (then asked again on the next call)."""

    def __init__(self, settings: Settings, model: str):
        self._registry = ModelRegistry(settings.tracking_uri, model, settings.model_cache_dir,
                                       settings.artifact_root, settings.experiment_name)
        self._known: dict[str, ReferenceProfile | None] = {}
        self._lock = threading.Lock()

    def get(self, version: str) -> ReferenceProfile | None:
        with self._lock:
            if version not in self._known:
                try:
                    self._known[version] = self._registry.load_version(version).profile
                except LeadstreamError as exc:
                    log.warning("no reference profile for version %s: %s", version, exc)
                    return None
            return self._known[version]


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
