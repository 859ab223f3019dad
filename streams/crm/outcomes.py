"""The CRM's outcomes for the leads ``leadstream produce --outcomes`` sends, on ``leads.outcomes``.

Synthetic leads convert as the synthetic CRM's ground truth says (their true probability,
:mod:`scoring.simulated_outcomes`); a CRM export's rows replay its target column. Either
way a share of leads stays quiet (no outcome), and each outcome is published
``delay_s`` after the broker acknowledged its lead (:class:`OutcomeFeed`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from confluent_kafka import Producer
from rich.progress import Progress, TaskID

from schemas.errors import RetryableError
from schemas.experiments import Outcome
from schemas.spec import load_spec
from scoring.crm_export import read_crm_export
from scoring.simulated_outcomes import OutcomeSchedule, draw_outcomes
from scoring.synthetic import SyntheticCRM, as_events
from streams.crm.traffic import produce_one

if TYPE_CHECKING:
    from streams.crm.treatment import TreatmentEffect

Lead = tuple[dict, bool | None]
OUTCOME_STREAM = 18  # the outcome draws' own random stream, apart from the leads'
CHUNK = 10_000


def outcome_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng((seed, OUTCOME_STREAM))


def synthetic_leads(count: int, seed: int, shift: dict[str, float], quiet_share: float
                    ) -> Iterator[Lead]:
    """The leads of ``synthetic_events(count, seed, shift)``, each with its drawn outcome."""
    crm, rng = SyntheticCRM(seed), outcome_rng(seed)
    for start in range(0, count, CHUNK):
        frame, p = crm.leads_with_truth(min(CHUNK, count - start), shift or None)
        yield from zip(as_events(frame), draw_outcomes(p, rng, quiet_share), strict=True)


def csv_leads(path: Path, spec_path: Path | None, target: str | None, quiet_share: float,
              seed: int) -> Iterator[Lead]:
    """An export's rows as lead events, each with its target column's outcome (a quiet
    share left out). Rows whose target is not readable as 0/1 are not replayed."""
    spec = load_spec(spec_path)
    frame, _ = read_crm_export(path, spec, target=target)
    names = ["lead_id", *(f.name for f in spec.features)]
    truth = frame[spec.target].to_numpy(dtype=np.float64)
    drawn = draw_outcomes(truth, outcome_rng(seed), quiet_share)  # p of 0 or 1: the target
    for row, outcome in zip(frame[names].to_dict("records"), drawn, strict=True):
        yield {k: v for k, v in row.items() if v is not None and v == v}, outcome


class OutcomeFeed:
    """Publishes the outcomes of the leads it ``tag``s, each ``delay_s`` after its lead's
    acknowledgement; counts them on a progress bar when ``show`` was called. With
    ``effect`` (a soak), an outcome waits for its lead's published variant
    (:mod:`streams.crm.treatment`)."""

    def __init__(self, topic: str, delay_s: float, clock: Callable[[], float] = time.monotonic,
                 effect: TreatmentEffect | None = None):
        self.topic = topic
        self.effect = effect
        self.schedule = OutcomeSchedule(delay_s)
        self.published = self.converted = self.acked = 0
        self._clock = clock
        self._failures: list[str] = []
        self._bar: tuple[Progress, TaskID] | None = None

    def tag(self, leads: Iterator[Lead]) -> Iterator[dict]:
        """The lead events, their outcomes remembered as each one is sent."""
        for event, outcome in leads:
            self.schedule.expect(event["lead_id"], outcome)
            yield event

    def delivered(self, key: bytes | None) -> None:
        """A lead event is on the broker (from the producer's delivery report)."""
        if key is not None:
            self.schedule.delivered(key.decode(), self._clock())

    def show(self, bar: Progress) -> None:
        self._bar = (bar, bar.add_task("outcomes", total=None))

    def release(self, producer: Producer) -> None:
        """Produce every outcome that is due now."""
        due = self.schedule.take_due(self._clock())
        for lead_id, converted in due if self.effect is None else self.effect.resolve(due):
            outcome = Outcome(lead_id=lead_id, converted=converted,
                              occurred_at=datetime.now(UTC), event_id=f"sim-{lead_id}")
            produce_one(producer, self.topic, lead_id.encode(),
                        outcome.model_dump_json().encode(), self._on_delivery)
            self.published += 1
            self.converted += converted
        if self._bar is not None:
            self._bar[0].update(self._bar[1], completed=self.published)

    def drain(self, producer: Producer, timeout_s: float = 60.0) -> int:
        """Wait for every scheduled outcome, produce it, flush; the undelivered count."""
        deadline = self._clock() + self.schedule.delay_s + timeout_s
        while self._clock() < deadline and ((due := self.schedule.next_due()) is not None
                                            or self._held()):
            producer.poll(0.2 if due is None else min(max(due - self._clock(), 0.0), 0.5))
            self.release(producer)
        remaining = producer.flush(max(deadline - self._clock(), 1.0))
        if self._bar is not None:
            self._bar[0].update(self._bar[1], completed=self.published, total=self.published)
        never_sent = self.schedule.scheduled + self._held()
        if self._failures or never_sent:
            raise RetryableError(
                f"{len(self._failures)} outcomes failed, {never_sent} never sent; "
                f"first error: {self._failures[0] if self._failures else 'timed out'}")
        return remaining

    def _held(self) -> int:
        """Outcomes due whose lead's variant is not known yet (with an effect only)."""
        return 0 if self.effect is None else self.effect.held

    def _on_delivery(self, err, _msg) -> None:
        if err is None:
            self.acked += 1
        else:
            self._failures.append(str(err))
