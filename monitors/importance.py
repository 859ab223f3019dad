"""Feature-importance shift: which features drive the scores now, against training.

Importance of a feature = mean |contribution| to the log-odds over a set of leads. At
training it is computed over the holdout rows from every feature's contribution and stored
with the reference profile (``ReferenceProfile.importance``); now it comes from the reasons
the scorer publishes on ``leads.scored``: per lead the top ``k`` positive and top ``k``
negative features with their weights, a feature outside them counted as 0 (so "now" is a
lower bound for the weakest features; with the default 3 + 3 of 8 features only the two
weakest of a lead are left out).

The two are compared as shares (importance / total), so a model whose contributions all
grow or shrink together has not shifted: the total variation distance between the share
vectors (half the sum of absolute share changes, 0..1), whether the top feature changed,
and the rank of every feature then and now. Below ``min_leads`` explained leads there is no
verdict. Pure: mappings in, a frozen result out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ImportanceShift:
    features: tuple[str, ...]
    """Every feature, most important now first."""
    reference_share: tuple[float, ...]
    current_share: tuple[float, ...]
    reference_rank: tuple[int, ...]
    """1 = most important at training."""
    current_rank: tuple[int, ...]
    distance: float
    """Total variation distance between the share vectors (0: same shares, 1: disjoint)."""
    top_changed: bool
    n_leads: int

    @property
    def reference_top(self) -> str:
        return self.features[self.reference_rank.index(1)]

    @property
    def current_top(self) -> str:
        return self.features[self.current_rank.index(1)]

    def movers(self, count: int = 3) -> list[tuple[str, float, float]]:
        """The features whose share moved most: ``(name, share then, share now)``."""
        rows = zip(self.features, self.reference_share, self.current_share, strict=True)
        return sorted(rows, key=lambda r: -abs(r[2] - r[1]))[:count]


def mean_abs_from_reasons(leads: Iterable[Sequence[tuple[str, float]]]
                          ) -> tuple[dict[str, float], int]:
    """Mean |weight| per feature over the leads that have reasons (a feature absent from a
    lead's reasons counts as 0 for that lead), and how many leads that was."""
    sums: dict[str, float] = {}
    n = 0
    for reasons in leads:
        if not reasons:
            continue
        n += 1
        for feature, weight in reasons:
            sums[feature] = sums.get(feature, 0.0) + abs(float(weight))
    return ({f: s / n for f, s in sums.items()} if n else {}), n


def _shares(values: Mapping[str, float], features: Sequence[str]) -> list[float]:
    raw = [max(float(values.get(f, 0.0)), 0.0) for f in features]
    total = sum(raw)
    return [v / total for v in raw] if total > 0 else [0.0] * len(raw)


def _ranks(shares: Sequence[float], features: Sequence[str]) -> list[int]:
    order = sorted(range(len(shares)), key=lambda i: (-shares[i], features[i]))
    ranks = [0] * len(shares)
    for rank, i in enumerate(order, start=1):
        ranks[i] = rank
    return ranks


def importance_shift(reference: Mapping[str, float], current: Mapping[str, float],
                     n_leads: int, min_leads: int = 200) -> ImportanceShift | None:
    """The shift, or None without a verdict (too few leads, or nothing to compare)."""
    features = sorted(set(reference) | set(current))
    if n_leads < min_leads or not features or not any(reference.values()) \
            or not any(current.values()):
        return None
    ref, cur = _shares(reference, features), _shares(current, features)
    ref_rank, cur_rank = _ranks(ref, features), _ranks(cur, features)
    order = sorted(range(len(features)), key=lambda i: cur_rank[i])
    distance = 0.5 * sum(abs(c - r) for c, r in zip(cur, ref, strict=True))
    return ImportanceShift(
        features=tuple(features[i] for i in order),
        reference_share=tuple(ref[i] for i in order),
        current_share=tuple(cur[i] for i in order),
        reference_rank=tuple(ref_rank[i] for i in order),
        current_rank=tuple(cur_rank[i] for i in order),
        distance=distance, top_changed=ref_rank.index(1) != cur_rank.index(1),
        n_leads=n_leads)
