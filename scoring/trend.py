"""Trend of a lead's score: how it moved since the lead's previous published score.

``delta`` is **absolute**, in score (probability) units, not relative: with the default
0.05, a lead going from 0.40 to 0.46 is ``improving``, from 0.40 to 0.44 ``steady``. The
bounds are strict: a change of exactly ``delta`` (in float arithmetic) is ``steady``.

- ``improving``: ``current - previous > delta``;
- ``declining``: ``previous - current > delta``;
- ``steady``: otherwise;
- ``new``: the lead has no previous published score.

Unknown (the history could not be read) is not a trend: the caller publishes ``null``.
The same lead twice in one batch compares its second score with its first
(:func:`chain_previous`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from schemas.scored import Trend

DEFAULT_DELTA = 0.05


def trend(previous: float | None, current: float, delta: float = DEFAULT_DELTA) -> Trend:
    """The trend of one score; ``previous`` ``None`` is a new lead."""
    if previous is None:
        return Trend.NEW
    change = current - previous
    if change > delta:
        return Trend.IMPROVING
    if -change > delta:
        return Trend.DECLINING
    return Trend.STEADY


def trends(previous: np.ndarray, current: np.ndarray, delta: float = DEFAULT_DELTA
           ) -> list[Trend]:
    """Per lead, the trend of ``current`` against ``previous`` (NaN: a new lead)."""
    change = current - previous
    codes = np.where(np.isnan(previous), 3,
                     np.where(change > delta, 0, np.where(-change > delta, 2, 1)))
    order = (Trend.IMPROVING, Trend.STEADY, Trend.DECLINING, Trend.NEW)
    return [order[c] for c in codes.tolist()]


def chain_previous(lead_ids: Sequence[str], stored: Sequence[float | None],
                   scores: np.ndarray, unknown: Sequence[bool] | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Per lead of a batch (in order), the score its trend compares with, and whether that
    is unknown: the score of the same lead earlier in the batch (known), else ``stored``
    (its previous published score, ``None`` for none: NaN) with ``unknown``'s flag."""
    previous = np.array([np.nan if s is None else s for s in stored], dtype=np.float64)
    missing = (np.zeros(len(lead_ids), dtype=bool) if unknown is None
               else np.array(unknown, dtype=bool))
    last: dict[str, int] = {}
    for i, lead_id in enumerate(lead_ids):
        j = last.get(lead_id)
        if j is not None:
            previous[i], missing[i] = scores[j], False
        last[lead_id] = i
    return previous, missing
