"""Outcomes the CRM simulator publishes for its leads: drawn, then released after a delay.

**Drawing** (:func:`draw_outcomes`). A real funnel never closes every lead: some go quiet,
never convert and are never marked lost, so no outcome ever arrives for them. Each lead,
independently of everything else, is *quiet* with probability ``quiet_share`` (no outcome);
otherwise it converts with its own true probability ``p`` (``converted=True``) or is closed
lost (``converted=False``). For the synthetic CRM ``p`` is the documented ground truth
(:meth:`scoring.synthetic.SyntheticCRM.leads_with_truth`). Being quiet does not depend on
``p``, so among the leads with an outcome the converted share estimates their mean ``p``.
For a soak (``produce --treatment-effect``) a lead the treatment arm served converts with
:func:`treated_probability` instead, read from the same uniform draw (:func:`draw_uniforms`).

**Releasing** (:class:`OutcomeSchedule`). An outcome is due ``delay_s`` after the broker
acknowledged its lead, never before: the outcome agent then finds the lead scored (or parks
the outcome until it is). Times are the caller's monotonic clock, so this stays pure.
"""

from __future__ import annotations

from collections import deque

import numpy as np


def draw_outcomes(p: np.ndarray, rng: np.random.Generator, quiet_share: float
                  ) -> list[bool | None]:
    """Per lead: ``None`` (quiet: no outcome), else whether it converted."""
    p = np.asarray(p, dtype=np.float64)
    return [None if u is None else bool(u < pi)
            for u, pi in zip(draw_uniforms(p, rng, quiet_share), p, strict=True)]


def draw_uniforms(p: np.ndarray, rng: np.random.Generator, quiet_share: float
                  ) -> list[float | None]:
    """Per lead: ``None`` (quiet), else the uniform draw ``u`` its outcome is read from: it
    converts when ``u < p`` (:func:`draw_outcomes` is exactly that, from the same draws)."""
    p = np.asarray(p, dtype=np.float64)
    if not 0.0 <= quiet_share <= 1.0:
        raise ValueError(f"quiet_share must be 0-1, got {quiet_share}")
    if p.size and not (np.all(p >= 0.0) and np.all(p <= 1.0)):
        raise ValueError("conversion probabilities must lie in 0-1")
    quiet = rng.random(p.size) < quiet_share
    u = rng.random(p.size)
    return [None if q else float(x) for q, x in zip(quiet, u, strict=True)]


def treated_probability(p: float, effect: float) -> float:
    """A soak's knob: the conversion probability of a lead the treatment arm served, ``p``
    scaled by ``1 + effect`` (``-0.2``: converts 20 % less, relative), kept in 0-1."""
    if not effect > -1.0:
        raise ValueError(f"a treatment effect must be > -1 (relative), got {effect}")
    return min(max(p * (1.0 + effect), 0.0), 1.0)


class OutcomeSchedule:
    """Outcomes waiting for their lead's acknowledgement, then for their due time.

    ``expect`` a lead's outcome when the lead is sent, tell it ``delivered`` when the broker
    acknowledged the lead, and ``take_due`` what is due; ``None`` outcomes are never kept.
    """

    def __init__(self, delay_s: float):
        if not delay_s >= 0.0:
            raise ValueError(f"delay must be >= 0 s, got {delay_s}")
        self.delay_s = delay_s
        self._sent: dict[str, bool] = {}
        self._due: deque[tuple[float, str, bool]] = deque()

    def expect(self, lead_id: str, converted: bool | None) -> None:
        if converted is not None:
            self._sent[lead_id] = converted

    def delivered(self, lead_id: str, now: float) -> None:
        """The lead is on the broker: its outcome (if any) is due at ``now + delay``."""
        converted = self._sent.pop(lead_id, None)
        if converted is not None:
            due = max(now + self.delay_s, self._due[-1][0] if self._due else now)
            self._due.append((due, lead_id, converted))

    def take_due(self, now: float) -> list[tuple[str, bool]]:
        """The outcomes due at ``now``, oldest first; they leave the schedule."""
        out = []
        while self._due and self._due[0][0] <= now:
            _, lead_id, converted = self._due.popleft()
            out.append((lead_id, converted))
        return out

    def next_due(self) -> float | None:
        """When the next scheduled outcome is due (None: none scheduled)."""
        return self._due[0][0] if self._due else None

    @property
    def scheduled(self) -> int:
        """Outcomes whose lead is acknowledged, not yet taken."""
        return len(self._due)

    @property
    def unacknowledged(self) -> int:
        """Outcomes still waiting for their lead's acknowledgement."""
        return len(self._sent)
