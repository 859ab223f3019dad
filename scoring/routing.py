"""Sticky assignment of leads to experiment arms, and canary progressive steps.

Each lead gets a position ``u = H(salt, lead_id)`` in ``[0, 1)`` from a keyed hash
(BLAKE2b, 64 bits, top 53 bits kept so ``u`` is an exact double); it is in the treatment
arm iff ``u < treatment_share``. Hence:

- *sticky*: the same lead under the same salt always gets the same arm, on every scorer;
- *monotone*: raising the share only moves control leads to treatment, never back;
- *independent across experiments*: a new salt re-draws every lead.

Python's ``hash`` is salted per process and must never be used here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from schemas.control import ServingConfig, ServingMode
from schemas.scored import Variant

_SEP = b"\x1f"
_SCALE = 2.0**-53


def _digests(salt: str, lead_ids: Sequence[str]) -> bytes:
    base = hashlib.blake2b(salt.encode() + _SEP, digest_size=8)
    out = []
    for lead_id in lead_ids:
        h = base.copy()
        h.update(lead_id.encode())
        out.append(h.digest())
    return b"".join(out)


def assignment_units(salt: str, lead_ids: Sequence[str]) -> np.ndarray:
    """Uniform positions in ``[0, 1)`` for a batch of leads (float64 array)."""
    words = np.frombuffer(_digests(salt, lead_ids), dtype=">u8")
    return (words >> np.uint64(11)).astype(np.float64) * _SCALE


def assignment_unit(salt: str, lead_id: str) -> float:
    """Uniform position in ``[0, 1)`` of one lead under one experiment salt."""
    return float(assignment_units(salt, [lead_id])[0])


def treatment_mask(salt: str, share: float, lead_ids: Sequence[str]) -> np.ndarray:
    """Boolean array: True where the lead is in the treatment arm."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"treatment share must be in [0, 1], got {share}")
    return assignment_units(salt, lead_ids) < share


def assign(salt: str, share: float, lead_id: str) -> Variant:
    """The arm of one lead: ``treatment`` or ``control``."""
    return Variant.TREATMENT if treatment_mask(salt, share, [lead_id])[0] else Variant.CONTROL


@dataclass(frozen=True)
class BatchRoute:
    """How one batch is served under one :class:`ServingConfig`.

    ``treatment[i]`` says lead ``i`` is served (and published) with the challenger;
    ``shadow`` says the challenger also scores every lead, unpublished.
    """

    variants: tuple[Variant, ...]
    treatment: np.ndarray
    champion_version: str
    challenger_version: str | None
    experiment_id: str | None
    shadow: bool

    def served_version(self, i: int) -> str:
        if self.treatment[i] and self.challenger_version is not None:
            return self.challenger_version
        return self.champion_version

    @property
    def treatment_rows(self) -> np.ndarray:
        return np.flatnonzero(self.treatment)

    @property
    def control_rows(self) -> np.ndarray:
        return np.flatnonzero(~self.treatment)


def route_batch(config: ServingConfig, lead_ids: Sequence[str]) -> BatchRoute:
    """Route a batch: ``champion`` in off/shadow, ``control``/``treatment`` in canary/ab."""
    n = len(lead_ids)
    split = config.mode in (ServingMode.CANARY, ServingMode.AB)
    if split:
        mask = treatment_mask(config.salt or "", config.treatment_share, lead_ids)
        variants = tuple(Variant.TREATMENT if t else Variant.CONTROL for t in mask.tolist())
    else:
        mask = np.zeros(n, dtype=bool)
        variants = (Variant.CHAMPION,) * n
    return BatchRoute(
        variants=variants,
        treatment=mask,
        champion_version=config.champion_version,
        challenger_version=config.challenger_version,
        experiment_id=config.experiment_id if split else None,
        shadow=config.mode is ServingMode.SHADOW,
    )


def canary_shares(percents: Sequence[float]) -> tuple[float, ...]:
    """Progressive canary steps from percents (``[5, 25, 50]`` → ``(0.05, 0.25, 0.5)``)."""
    shares = tuple(float(p) / 100.0 for p in percents)
    if not shares or any(not 0.0 < s <= 1.0 for s in shares):
        raise ValueError(f"canary steps must be percents in (0, 100], got {list(percents)}")
    if list(shares) != sorted(set(shares)):
        raise ValueError(f"canary steps must be strictly ascending, got {list(percents)}")
    return shares


def parse_steps(text: str) -> tuple[float, ...]:
    """Parse the CLI form ``"5,25,50"`` into shares."""
    return canary_shares([float(p) for p in text.split(",") if p.strip()])


def next_share(current: float, steps: Sequence[float]) -> float | None:
    """The first step above ``current``, or None when the last step is reached."""
    return next((s for s in steps if s > current + 1e-12), None)
