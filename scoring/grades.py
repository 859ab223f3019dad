"""Grades: the tier a sales rep sees on every score (A-D by default, as Dynamics 365 shows).

A :class:`GradeScale` is written best grade first with each grade's lower score bound,
e.g. ``A=0.8,B=0.5,C=0.3,D=0`` (``LEADSTREAM_GRADES``): bounds strictly decrease and the
last one is 0, so every score in [0, 1] has exactly one grade; a score equal to a bound
belongs to the higher grade. A score that is not a finite number (NaN, ±inf) has no grade:
:meth:`GradeScale.assign` refuses it (``ValueError``) rather than grade it silently, and
the scorer never reaches it (:func:`scoring.serving.serve` dead-letters a lead whose score
is not finite as ``scoring_failed``). Grades replaced the old buckets (Hot / Warm / Cool / Cold):
a legacy record's bucket maps to the grade of the same rank
(:func:`schemas.leads.legacy_grade`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

DEFAULT_GRADES = "A=0.8,B=0.5,C=0.3,D=0"


@dataclass(frozen=True)
class GradeScale:
    """Grade names, best first, and their lower score bounds (strictly decreasing to 0)."""

    names: tuple[str, ...] = ("A", "B", "C", "D")
    bounds: tuple[float, ...] = (0.8, 0.5, 0.3, 0.0)

    def __post_init__(self) -> None:
        _check(self.names, self.bounds)

    @classmethod
    def parse(cls, text: str) -> GradeScale:
        """``"A=0.8,B=0.5,C=0.3,D=0"`` → a scale; ``ValueError`` saying what is wrong."""
        names, bounds = [], []
        for part in (p.strip() for p in text.split(",")):
            name, sep, bound = part.partition("=")
            if not sep or not name.strip():
                raise ValueError(f"grade {part!r} is not NAME=LOWER_BOUND (e.g. A=0.8)")
            try:
                bounds.append(float(bound))
            except ValueError:
                raise ValueError(f"grade {part!r}: {bound.strip()!r} is not a number") from None
            names.append(name.strip())
        return cls(tuple(names), tuple(bounds))

    @property
    def top_bound(self) -> float:
        """Lower bound of the best grade (the monitors' share of top-graded leads)."""
        return self.bounds[0]

    def assign(self, scores: np.ndarray) -> list[str]:
        """The grade of every score in a batch; ``ValueError`` if one is not finite (NaN
        sorts after every bound, so it would get the best grade)."""
        values = np.asarray(scores, dtype=np.float64)
        bad = ~np.isfinite(values)
        if bad.any():
            raise ValueError(f"grades: {int(bad.sum())} of {values.size} scores are not "
                             f"finite numbers (NaN or infinite): no grade")
        edges = np.array(self.bounds[-2::-1], dtype=np.float64)  # ascending, without the 0
        idx = np.searchsorted(edges, values, side="right")
        ascending = self.names[::-1]
        return [ascending[i] for i in idx.tolist()]

    def text(self) -> str:
        return ",".join(f"{n}={b:g}" for n, b in zip(self.names, self.bounds, strict=True))


def _check(names: Sequence[str], bounds: Sequence[float]) -> None:
    if not names or len(names) != len(bounds):
        raise ValueError("grades: give at least one NAME=LOWER_BOUND, one bound per name")
    if len(set(names)) != len(names):
        raise ValueError(f"grades: names must be unique, got {', '.join(names)}")
    if any(not 0.0 <= b <= 1.0 for b in bounds):
        raise ValueError(f"grades: bounds must lie in [0, 1], got {list(bounds)}")
    if any(hi <= lo for hi, lo in pairwise(bounds)):
        raise ValueError(f"grades: write the best grade first, bounds strictly decreasing; "
                         f"got {list(bounds)}")
    if bounds[-1] != 0.0:
        raise ValueError(f"grades: the last (lowest) grade's bound must be 0 so every score "
                         f"has a grade; got {bounds[-1]:g}")

