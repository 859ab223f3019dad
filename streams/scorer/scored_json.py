"""The ``leads.scored`` serializer: JSON built straight from the batch's columns (one
f-string of pre-encoded parts per lead, :mod:`streams.json_text`;
:class:`~schemas.scored.ScoredLead` stays the contract, and the unit tests validate these
bytes against it). Scores as JSON numbers and their grades are made once per served batch
(:class:`ScoreTexts`) for this record and the history entry alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from schemas.leads import as_utc
from schemas.scored import Trend
from scoring.grades import GradeScale
from scoring.serving import ServedBatch
from streams.json_text import column, quote, text
from streams.kafka.io import OutRecord
from streams.scorer.explain import BatchReasons
from streams.scorer.lead_batch import BatchInput


def _iso(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC; a time without offset is UTC (as intake validated it)."""
    utc = as_utc(dt)
    return None if utc is None else utc.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class ScoreTexts:
    """A served batch's scores as JSON numbers and their grades, made once for every
    output that carries them (``leads.scored``, the history)."""

    scores: list[str]
    grades: list[str]

    @classmethod
    def of(cls, served: ServedBatch, grades: GradeScale) -> ScoreTexts:
        return cls(column(served.scores.tolist()), grades.assign(served.scores))


@dataclass(frozen=True)
class Trends:
    """Per scored lead: its trend (``None``: unknown) and the score it compares with (NaN:
    none)."""

    trends: Sequence[Trend | None]
    previous: np.ndarray


def scored_records(topic: str, model_name: str, served: ServedBatch, batch: BatchInput,
                   grades: GradeScale, why: BatchReasons | None = None,
                   trends: Trends | None = None,
                   texts: ScoreTexts | None = None) -> list[OutRecord]:
    """The ``leads.scored`` records of the batch, in input order (with ``why``: each
    lead's reasons and their method, as JSON text; trend null without ``trends``)."""
    scored_at = _iso(datetime.fromtimestamp(batch.now_s, UTC))
    latency = column((batch.wait_ms + served.served_seconds * 1000.0).tolist())
    texts = texts or ScoreTexts.of(served, grades)
    scores = texts.scores
    graded = [quote(g) for g in texts.grades]
    why = why or BatchReasons(["[]"] * len(served), ["null"] * len(served))
    versions, aliases = served.versions().tolist(), served.aliases().tolist()
    experiment = served.route.experiment_id
    variants = served.route.variants
    name_q, experiment_q, at_q = quote(model_name), text(experiment), quote(scored_at)
    trend_q, previous = _trend_texts(trends, len(batch.leads))
    out = []
    for i, (ev, lead) in enumerate(zip(batch.events, batch.leads, strict=True)):
        doc = (f'{{"lead_id":{quote(lead.lead_id)},"event_id":{text(lead.event_id)},'
               f'"score":{scores[i]},"grade":{graded[i]},"reasons":{why.reasons[i]},'
               f'"reasons_method":{why.methods[i]},'
               f'"model_name":{name_q},"model_version":{quote(versions[i])},'
               f'"model_alias":"{aliases[i]}","variant":"{variants[i].value}",'
               f'"experiment_id":{experiment_q},"occurred_at":{text(_iso(lead.occurred_at))},'
               f'"scored_at":{at_q},"latency_ms":{latency[i]},'
               f'"trend":{trend_q[i]},"previous_score":{previous[i]},'
               f'"source_partition":{ev.partition},"source_offset":{ev.offset}}}')
        out.append(OutRecord(topic, lead.lead_id.encode(), doc.encode()))
    return out


def _trend_texts(trends: Trends | None, n: int) -> tuple[list[str], list[str]]:
    if trends is None:
        return ["null"] * n, ["null"] * n
    names = [f'"{t.value}"' if t is not None else "null" for t in trends.trends]
    previous = [None if p != p else p for p in trends.previous.tolist()]  # NaN: none
    return names, column(previous)
