"""End to end: CRM traffic with ~10 % malformed events and a few resends, through the real
broker, Redis and MLflow → exactly one committed output per input, with the right content."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xgboost as xgb

from schemas.errors import RejectReason
from schemas.leads import DeadLetter
from scoring.features import FeatureEncoder
from scoring.training import TrainedModel
from streams.settings import Settings
from tests.integration.helpers import (
    Record,
    ScorerProcess,
    Sent,
    make_traffic,
    produce,
    read_topic,
    train_champion,
)

N = 3000


def offline_scores(trained: TrainedModel, frame) -> np.ndarray:
    """The model's predictions for the synthetic rows, the training way (DMatrix)."""
    columns = {f.name: (frame[f.name].to_numpy(dtype=np.float64) if f.kind == "numeric"
                        else frame[f.name].to_numpy(dtype=object))
               for f in trained.spec.features}
    encoder = FeatureEncoder(trained.spec)
    matrix = encoder.encode_columns(columns, len(frame)).matrix
    return trained.booster.predict(xgb.DMatrix(matrix, feature_names=list(encoder.feature_names)))


def source(rec: Record) -> tuple[int, int]:
    doc = rec.json()
    return doc["source_partition"], doc["source_offset"]


def check_exactly_once(settings: Settings, where: dict[tuple[int, int], Sent]
                       ) -> tuple[list[Record], list[Record]]:
    """Every produced record has exactly one committed output; return (scored, dead)."""
    scored = read_topic(settings, settings.topic_scored)
    dead = read_topic(settings, settings.topic_deadletter)
    sources = [source(r) for r in scored + dead]
    dupes = [s for s, c in Counter(sources).items() if c > 1]
    assert not dupes, f"{len(dupes)} source offsets published twice, e.g. {dupes[:5]}"
    missing = set(where) - set(sources)
    assert not missing, f"{len(missing)} events have no output, e.g. {sorted(missing)[:5]}"
    assert len(sources) == len(where)
    return scored, dead


def test_every_event_scored_or_dead_lettered_once(
    fresh_settings: Settings, tmp_path: Path, make_settings: Callable[..., Settings]
) -> None:
    settings = fresh_settings.model_copy(update={"model_name": f"m-{uuid.uuid4().hex[:8]}"})
    trained = train_champion(settings)
    sent, frame = make_traffic(N, settings, bad_share=0.1, resend_share=0.01)
    where = produce(settings, sent)

    with ScorerProcess(settings, tmp_path / "scorer.log", "--max-events", str(len(sent))) as p:
        assert p.wait(120) == 0, p.text()[-3000:]

    scored, dead = check_exactly_once(settings, where)
    expected = offline_scores(trained, frame)
    for rec in scored:
        doc, origin = rec.json(), where[source(rec)]
        assert origin.reason is None, (origin, doc)
        assert rec.key == doc["lead_id"].encode() == origin.key
        assert abs(doc["score"] - expected[origin.row]) < 1e-6
        assert doc["model_name"] == settings.model_name and doc["model_alias"] == "champion"
    reasons = Counter()
    for rec in dead:
        letter = DeadLetter.model_validate_json(rec.value)
        origin = where[source(rec)]
        assert letter.reason == origin.reason, (letter, origin)
        assert letter.payload() == (origin.value or b"")
        assert rec.key == origin.key
        assert letter.source_topic == settings.topic_incoming
        reasons[letter.reason.value] += 1
    assert len(scored) == sum(1 for s in sent if s.reason is None)
    assert reasons["duplicate_event"] == int(N * 0.01)
    assert set(reasons) == {r.value for r in RejectReason} - {"scoring_failed",
                                                              "internal_error"}, reasons
