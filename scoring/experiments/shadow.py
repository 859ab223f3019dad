"""Shadow mode: per-lead comparison records and their running, mergeable summary.

:func:`shadow_comparisons` builds the ``scores.shadow`` records of one batch as contract
objects (tools and tests; the scorer writes the same JSON straight from its batch's
columns, ``streams/scorer/shadow_json.py``). :class:`ShadowSummary` folds comparisons into count,
mean absolute difference, Pearson correlation, grade agreement and per-model latency; two
summaries merge exactly (Chan et al.'s pairwise update of means and co-moments), so
partitions, batches and scorers can be summarised apart and combined.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from schemas.experiments import ShadowComparison
from scoring.grades import GradeScale


def shadow_comparisons(
    model_name: str, lead_ids: Sequence[str], event_ids: Sequence[str | None],
    champion_version: str, challenger_version: str,
    champion_scores: np.ndarray, challenger_scores: np.ndarray,
    champion_latency_ms: np.ndarray | float, challenger_latency_ms: np.ndarray | float,
    grades: GradeScale, scored_at: datetime,
    challenger_reasons: Sequence[tuple[list[dict], str | None]] | None = None,
) -> list[ShadowComparison]:
    """One :class:`ShadowComparison` per lead of a batch scored by both models, with the
    challenger's reasons (per lead: the reasons and their method) when given."""
    n = len(lead_ids)
    why = challenger_reasons or [([], None)] * n
    a = np.clip(np.asarray(champion_scores, dtype=np.float64), 0.0, 1.0)
    b = np.clip(np.asarray(challenger_scores, dtype=np.float64), 0.0, 1.0)
    la = np.broadcast_to(np.asarray(champion_latency_ms, dtype=np.float64), (n,))
    lb = np.broadcast_to(np.asarray(challenger_latency_ms, dtype=np.float64), (n,))
    ga, gb = grades.assign(a), grades.assign(b)
    return [ShadowComparison(
        lead_id=lead_ids[i], event_id=event_ids[i], model_name=model_name,
        champion_version=champion_version, challenger_version=challenger_version,
        champion_score=float(a[i]), challenger_score=float(b[i]),
        champion_grade=ga[i], challenger_grade=gb[i], abs_diff=abs(float(b[i]) - float(a[i])),
        champion_latency_ms=float(la[i]), challenger_latency_ms=float(lb[i]),
        scored_at=scored_at, challenger_reasons=why[i][0],
        challenger_reasons_method=why[i][1]) for i in range(n)]


@dataclass(frozen=True)
class ShadowSummary:
    n: int = 0
    mean_champion: float = 0.0
    mean_challenger: float = 0.0
    m2_champion: float = 0.0
    m2_challenger: float = 0.0
    comoment: float = 0.0
    sum_abs_diff: float = 0.0
    agree: int = 0
    latency_sum_champion: float = 0.0
    latency_sum_challenger: float = 0.0
    latency_max_champion: float = 0.0
    latency_max_challenger: float = 0.0

    @classmethod
    def of(cls, records: Iterable[ShadowComparison]) -> ShadowSummary:
        rows = list(records)
        if not rows:
            return cls()
        x = np.array([r.champion_score for r in rows])
        y = np.array([r.challenger_score for r in rows])
        lx = np.array([r.champion_latency_ms for r in rows])
        ly = np.array([r.challenger_latency_ms for r in rows])
        dx, dy = x - x.mean(), y - y.mean()
        return cls(len(rows), float(x.mean()), float(y.mean()), float(dx @ dx),
                   float(dy @ dy), float(dx @ dy), float(np.abs(y - x).sum()),
                   sum(r.grades_agree for r in rows), float(lx.sum()), float(ly.sum()),
                   float(lx.max()), float(ly.max()))

    def merge(self, other: ShadowSummary) -> ShadowSummary:
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        n = self.n + other.n
        dx = other.mean_champion - self.mean_champion
        dy = other.mean_challenger - self.mean_challenger
        w = self.n * other.n / n
        return replace(
            self, n=n,
            mean_champion=self.mean_champion + dx * other.n / n,
            mean_challenger=self.mean_challenger + dy * other.n / n,
            m2_champion=self.m2_champion + other.m2_champion + dx * dx * w,
            m2_challenger=self.m2_challenger + other.m2_challenger + dy * dy * w,
            comoment=self.comoment + other.comoment + dx * dy * w,
            sum_abs_diff=self.sum_abs_diff + other.sum_abs_diff, agree=self.agree + other.agree,
            latency_sum_champion=self.latency_sum_champion + other.latency_sum_champion,
            latency_sum_challenger=self.latency_sum_challenger + other.latency_sum_challenger,
            latency_max_champion=max(self.latency_max_champion, other.latency_max_champion),
            latency_max_challenger=max(self.latency_max_challenger, other.latency_max_challenger))

    @property
    def mean_abs_diff(self) -> float | None:
        return self.sum_abs_diff / self.n if self.n else None

    @property
    def correlation(self) -> float | None:
        """Pearson correlation of the two scores; None if either is constant."""
        denom = math.sqrt(self.m2_champion * self.m2_challenger)
        return self.comoment / denom if self.n > 1 and denom > 0 else None

    @property
    def grade_agreement(self) -> float | None:
        return self.agree / self.n if self.n else None

    @property
    def mean_latency_ms(self) -> tuple[float | None, float | None]:
        """(champion, challenger) mean latency in ms."""
        if not self.n:
            return None, None
        return self.latency_sum_champion / self.n, self.latency_sum_challenger / self.n
