"""Persistence: a drift flag counts only when it shows in k of the last m judged windows.

Independent false flags at rate r per window survive k of m with probability about
``C(m, k) r^k``; a real, lasting shift survives from its k-th window on. Windows with
insufficient data are not judged and do not enter the history. State is passed in and
returned, never kept here, so the monitor agents can store it in a table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from schemas.monitor import Severity

_LEVELS = (Severity.CRITICAL, Severity.WARN)
_RANK = {Severity.OK: 0, Severity.WARN: 1, Severity.CRITICAL: 2}


@dataclass(frozen=True)
class PersistenceRule:
    k: int = 2
    m: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.k <= self.m:
            raise ValueError(f"persistence needs 1 <= k <= m, got k={self.k}, m={self.m}")


@dataclass(frozen=True)
class PersistenceState:
    """The last m judged severities per name (feature, or 'verdict' for the whole window)."""

    history: Mapping[str, tuple[Severity, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, list[str]]:
        return {k: [s.value for s in v] for k, v in self.history.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, list[str]]) -> PersistenceState:
        return cls({k: tuple(Severity(s) for s in v) for k, v in data.items()})


def persisted_level(history: tuple[Severity, ...], rule: PersistenceRule) -> Severity:
    """The highest severity reached or exceeded in at least k of the last m windows."""
    recent = history[-rule.m:]
    for level in _LEVELS:
        if sum(_RANK[s] >= _RANK[level] for s in recent) >= rule.k:
            return level
    return Severity.OK


def persist(
    state: PersistenceState, severities: Mapping[str, Severity], rule: PersistenceRule
) -> tuple[PersistenceState, dict[str, Severity]]:
    """Add one window's severities; return the new state and the persisted severities."""
    history = dict(state.history)
    out: dict[str, Severity] = {}
    for name, sev in severities.items():
        if sev is Severity.INSUFFICIENT_DATA:
            out[name] = Severity.INSUFFICIENT_DATA
            continue
        history[name] = (*history.get(name, ()), sev)[-rule.m:]
        out[name] = persisted_level(history[name], rule)
    return PersistenceState(history), out
