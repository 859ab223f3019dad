"""A soak's knob: the treatment arm's leads convert ``effect`` more (or less), relative.

In the synthetic CRM a lead converts with its true probability whichever model scored it,
so two arms of an experiment always convert alike. ``leadstream produce --outcomes
--treatment-effect E`` makes the arm matter: :class:`TreatmentEffect` learns each lead's
variant from what the scorer published (``leads.scored``, read_committed from its end as
of the start, as a CRM sees scores through the sink), and a lead the treatment arm served
converts with ``p·(1+E)`` (:func:`~scoring.simulated_outcomes.treated_probability`), read
from the same uniform draw that decides it at no effect. An outcome whose lead has no
published score yet is held until it has one; the rest keep their order.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from schemas.scored import Variant
from scoring.simulated_outcomes import draw_uniforms, treated_probability
from scoring.synthetic import SyntheticCRM, as_events
from streams.crm.outcomes import CHUNK, Lead, outcome_rng
from streams.kafka.reader import Record, TopicReader
from streams.settings import Settings

Latent = tuple[dict, float, float | None]
"""A lead event, its true probability and its uniform draw (None: quiet, no outcome)."""


def synthetic_latent(count: int, seed: int, shift: dict[str, float], quiet_share: float
                     ) -> Iterator[Latent]:
    """The leads of :func:`~streams.crm.outcomes.synthetic_leads` (same seed: same events,
    same draws), each with its probability and draw instead of its outcome."""
    crm, rng = SyntheticCRM(seed), outcome_rng(seed)
    for start in range(0, count, CHUNK):
        frame, p = crm.leads_with_truth(min(CHUNK, count - start), shift or None)
        yield from zip(as_events(frame), np.asarray(p, dtype=np.float64).tolist(),
                       draw_uniforms(p, rng, quiet_share), strict=True)


class TreatmentEffect:
    """Holds each lead's draw; decides its outcome once its published variant is known."""

    def __init__(self, effect: float, scored: Callable[[], Iterable[Record]],
                 close: Callable[[], None] = lambda: None):
        treated_probability(0.5, effect)  # a bad effect fails before anything is sent
        self.effect = effect
        self.treated = 0
        self._latent: dict[str, tuple[float, float]] = {}
        self._variants: dict[str, Variant] = {}
        self._held: deque[str] = deque()
        self._scored, self.close = scored, close

    @classmethod
    def reading(cls, settings: Settings, effect: float) -> TreatmentEffect:
        """Reading ``leads.scored`` (read_committed) from its end as of now."""
        reader = TopicReader(settings, settings.topic_scored, from_end=True)
        return cls(effect, lambda: reader.poll(0.0, 5000), reader.close)

    def tag(self, leads: Iterator[Latent]) -> Iterator[Lead]:
        """The leads with their outcome at no effect (what the schedule orders by)."""
        for event, p, u in leads:
            if u is not None:
                self._latent[event["lead_id"]] = (p, u)
            yield event, None if u is None else u < p

    def seen(self, records: Iterable[Record]) -> None:
        """Learn the variants of published scores (only those of leads with an outcome)."""
        for record in records:
            scored = json.loads(record.value or b"{}")
            lead_id = scored.get("lead_id")
            if lead_id in self._latent:
                self._variants[lead_id] = Variant(scored.get("variant", Variant.CHAMPION))

    def resolve(self, due: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
        """The outcomes that can be published now, with the effect applied to treated leads;
        the others are held for a later call."""
        self.seen(self._scored())
        self._held.extend(lead_id for lead_id, _ in due)
        out, still = [], deque()
        for lead_id in self._held:
            variant = self._variants.pop(lead_id, None)
            if variant is None:
                still.append(lead_id)
                continue
            p, u = self._latent.pop(lead_id)
            if variant is Variant.TREATMENT:
                p = treated_probability(p, self.effect)
                self.treated += 1
            out.append((lead_id, u < p))
        self._held = still
        return out

    @property
    def held(self) -> int:
        return len(self._held)
