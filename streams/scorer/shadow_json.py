"""The ``scores.shadow`` serializer: one comparison per lead, JSON built straight from the
batch's columns in one pass (one f-string of pre-encoded parts per lead,
:mod:`streams.json_text`), as :mod:`streams.scorer.scored_json` builds ``leads.scored``.

:class:`~schemas.experiments.ShadowComparison` stays the contract (the unit tests parse
these bytes and compare them with its ``model_dump_json`` of the same comparison): both
scores clipped to [0, 1], their grades, ``|challenger - champion|``, each model's latency
(the lead's wait plus its model's batch time), the scoring time, and the challenger's
reasons and method embedded as the JSON text :class:`~streams.scorer.explain.Explanations`
rendered them (never parsed back). The champion's score texts, grades and latencies are
the ones made once for ``leads.scored`` (:class:`~streams.scorer.scored_json.ScoreTexts`)
whenever clipping leaves its scores as served and it served every lead.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from scoring.grades import GradeScale
from scoring.serving import ServedBatch
from streams.json_text import column, quote
from streams.kafka.io import OutRecord
from streams.scorer.explain import NO_METHOD, NO_REASONS, RunReasons
from streams.scorer.lead_batch import BatchInput
from streams.scorer.scored_json import ScoreTexts, _grade_texts, _iso


def shadow_records(topic: str, model_name: str, served: ServedBatch, batch: BatchInput,
                   grades: GradeScale, why: RunReasons | None = None,
                   texts: ScoreTexts | None = None) -> list[OutRecord]:
    """One ``scores.shadow`` comparison per lead when the challenger shadowed the batch
    (with ``why``: the challenger's reasons per lead, as JSON text; ``texts``: the served
    scores' texts and grades, when already made)."""
    shadow = served.shadow
    n = len(served)
    if shadow is None or not n:
        return []
    champion = served.runs[0]
    a, a_texts = _clipped(served.scores, grades, texts)
    b, b_texts = _clipped(shadow.scores, grades, None)
    wait = batch.wait_ms
    head = (f'"model_name":{quote(model_name)},"champion_version":'
            f'{quote(champion.model.version)},"challenger_version":'
            f'{quote(shadow.model.version)}')
    at_q = quote(_iso(datetime.fromtimestamp(batch.now_s, UTC)))
    why = why or RunReasons([NO_REASONS] * n, [NO_METHOD] * n)
    docs = [f'{opening},{head},'
            f'"champion_score":{sa},"challenger_score":{sb},"champion_grade":"{ga}",'
            f'"challenger_grade":"{gb}","abs_diff":{diff},"champion_latency_ms":{la},'
            f'"challenger_latency_ms":{lb},"scored_at":{at_q},"challenger_reasons":{reasons},'
            f'"challenger_reasons_method":{method}}}'
            for opening, sa, sb, ga, gb, diff, la, lb, reasons, method
            in zip(batch.openings, a_texts.scores, b_texts.scores,
                   _grade_texts(a_texts.grades), _grade_texts(b_texts.grades),
                   column(np.abs(b - a).tolist()),
                   _champion_latency(served, wait, texts),
                   column((wait + shadow.seconds * 1000.0).tolist()),
                   why.reasons, why.methods, strict=True)]
    return [OutRecord(topic, key, doc.encode()) for key, doc in zip(batch.keys, docs, strict=True)]


def _clipped(scores: np.ndarray, grades: GradeScale,
             texts: ScoreTexts | None) -> tuple[np.ndarray, ScoreTexts]:
    """Scores clipped to [0, 1] (the contract's range) with their texts and grades: the
    given ``texts`` when clipping changed nothing."""
    values = np.asarray(scores, dtype=np.float64)
    clipped = np.clip(values, 0.0, 1.0)
    if texts is not None and np.array_equal(clipped, values):
        return clipped, texts
    return clipped, ScoreTexts(column(clipped.tolist()), grades.assign(clipped))


def _champion_latency(served: ServedBatch, wait: np.ndarray,
                      texts: ScoreTexts | None) -> list[str]:
    """The champion's latency per lead: the served latencies already made for
    ``leads.scored`` when the champion served every lead (shadow mode)."""
    seconds = served.runs[0].seconds
    if (texts is not None and texts.latency is not None
            and bool(np.all(served.served_seconds == seconds))):
        return texts.latency
    return column((wait + seconds * 1000.0).tolist())
