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
    output that carries them (``leads.scored``, the history, ``scores.shadow``), with its
    latencies (given the batch: wait plus the serving model's time, per lead)."""

    scores: list[str]
    grades: list[str]
    latency: list[str] | None = None

    @classmethod
    def of(cls, served: ServedBatch, grades: GradeScale,
           batch: BatchInput | None = None) -> ScoreTexts:
        latency = None if batch is None else _latency_texts(served, batch)
        return cls(column(served.scores.tolist()), grades.assign(served.scores), latency)


def _latency_texts(served: ServedBatch, batch: BatchInput) -> list[str]:
    return column((batch.wait_ms + served.served_seconds * 1000.0).tolist())


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
    n = len(batch.leads)
    scored_at = _iso(datetime.fromtimestamp(batch.now_s, UTC))
    texts = texts or ScoreTexts.of(served, grades)
    latency = texts.latency if texts.latency is not None else _latency_texts(served, batch)
    why = why or BatchReasons(["[]"] * n, ["null"] * n)
    models = _model_texts(model_name, served)
    at_q = quote(scored_at)
    trend_q, previous = _trend_texts(trends, n)
    docs = [f'{opening},"score":{score},"grade":"{grade}","reasons":{reasons},'
            f'"reasons_method":{method},{model},"occurred_at":{occurred},'
            f'"scored_at":{at_q},"latency_ms":{lat},"trend":{trend},"previous_score":{prev},'
            f'"source_partition":{ev.partition},"source_offset":{ev.offset}}}'
            for opening, score, grade, reasons, method, model, occurred, lat, trend, prev, ev
            in zip(batch.openings, texts.scores, _grade_texts(texts.grades), why.reasons,
                   why.methods, models, _occurred_texts(batch.leads), latency, trend_q,
                   previous, batch.events, strict=True)]
    return [OutRecord(topic, key, doc.encode()) for key, doc in zip(batch.keys, docs, strict=True)]


def _grade_texts(grades: list[str]) -> list[str]:
    """The grades as the inside of their JSON strings (a grade name is one of a few)."""
    memo = {g: quote(g)[1:-1] for g in set(grades)}
    return [memo[g] for g in grades]


def _model_texts(model_name: str, served: ServedBatch) -> list[str]:
    """Per lead, its ``model_name`` ... ``experiment_id`` members: one text per served
    version, alias and variant (a batch has at most two)."""
    variants = [v.value for v in served.route.variants]
    keys = list(zip(served.versions().tolist(), served.aliases().tolist(), variants,
                    strict=True))
    name_q, experiment_q = quote(model_name), text(served.route.experiment_id)
    memo = {(v, a, x): (f'"model_name":{name_q},"model_version":{quote(v)},'
                        f'"model_alias":"{a}","variant":"{x}","experiment_id":{experiment_q}')
            for v, a, x in set(keys)}
    return [memo[k] for k in keys]


def _occurred_texts(leads: Sequence) -> list[str]:
    """Per lead, its ``occurred_at`` as JSON (``null`` when it has none)."""
    memo: dict = {None: "null"}
    out = []
    for lead in leads:
        at = lead.occurred_at
        if at not in memo:
            memo[at] = quote(_iso(at))
        out.append(memo[at])
    return out


def _trend_texts(trends: Trends | None, n: int) -> tuple[list[str], list[str]]:
    if trends is None:
        return ["null"] * n, ["null"] * n
    names = [f'"{t.value}"' if t is not None else "null" for t in trends.trends]
    previous = [None if p != p else p for p in trends.previous.tolist()]  # NaN: none
    return names, column(previous)
