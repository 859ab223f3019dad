"""Fakes for the scorer's batch step: an in-memory de-duplicator, a model that fails on
some rows, a model that returns NaN or infinite scores for some rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from scoring.model import ServingModel
from streams.stores.dedup import Claim, Deduplicator


class MemoryDedup(Deduplicator):
    """The claim semantics of the Redis script, in a dict: event id → first source."""

    def __init__(self) -> None:
        super().__init__(None, 0)
        self.held: dict[str, str] = {}
        self.released: list[Claim] = []

    @property
    def enabled(self) -> bool:
        return True

    def duplicates(self, claims: Sequence[Claim]) -> dict[int, str]:
        taken = {}
        for i, c in enumerate(claims):
            first = self.held.setdefault(c.event_id, c.source)
            if first != c.source:
                taken[i] = first
        return taken

    def release(self, claims: Sequence[Claim]) -> int:
        self.released += claims
        mine = [c for c in claims if self.held.get(c.event_id) == c.source]
        for c in mine:
            del self.held[c.event_id]
        return len(mine)


class PickyBooster:
    """Predicts like ``booster`` but raises on any matrix holding a row whose column
    ``column`` equals ``poison``: a model failure caused by single events."""

    def __init__(self, booster, column: int, poison: float):
        self.booster, self.column, self.poison = booster, column, poison

    def inplace_predict(self, matrix: np.ndarray):
        if np.any(matrix[:, self.column] == self.poison):
            raise ValueError("poisoned row")
        return self.booster.inplace_predict(matrix)


def picky(model: ServingModel, feature: str, poison: float) -> ServingModel:
    column = model.encoder.feature_names.index(feature)
    broken = dataclasses.replace(model)
    object.__setattr__(broken, "booster", PickyBooster(model.booster, column, poison))
    return broken


class NonFiniteBooster:
    """Predicts like ``booster`` but answers ``bad`` (NaN, ±inf) for the rows whose column
    ``column`` equals ``poison``: a model that returns a score that is not a number."""

    def __init__(self, booster, column: int, poison: float, bad: float):
        self.booster, self.column, self.poison, self.bad = booster, column, poison, bad

    def inplace_predict(self, matrix: np.ndarray):
        scores = np.asarray(self.booster.inplace_predict(matrix), dtype=np.float64)
        return np.where(matrix[:, self.column] == self.poison, self.bad, scores)


def non_finite(model: ServingModel, feature: str, poison: float, bad: float) -> ServingModel:
    column = model.encoder.feature_names.index(feature)
    broken = dataclasses.replace(model)
    object.__setattr__(broken, "booster", NonFiniteBooster(model.booster, column, poison, bad))
    return broken
