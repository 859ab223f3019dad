"""Retraining: labelled leads from the ledger (or synthetic), a new model, validated against
the champion on the same holdout, registered as challenger.

Labels: the ledger entry of each lead (features as served, model version, experiment)
joined with the outcome the outcome agent recorded in
``leadstream:exp:<experiment or version:<v>>:leads`` (lead → "1" converted, "0" not).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import redis

from monitors.binning import build_reference_profile
from schemas.errors import FatalError
from schemas.spec import FeatureSpec
from scoring.importance import with_importance
from scoring.metrics import auc_roc
from scoring.model import ServingModel
from scoring.training import TrainedModel, train_model
from streams.settings import Settings
from streams.stores.ledger import Ledger


def labelled_frame(settings: Settings, spec: FeatureSpec, limit: int) -> pd.DataFrame:
    """The ``limit`` most recently scored ledger leads with an outcome, as a training frame
    in scoring order (ties by lead id): the same ledger gives the same frame, whatever
    order Redis scans it in."""
    ledger = Ledger.from_settings(settings, timeout_s=5.0)
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=5.0)
    newest: list[tuple[datetime, str, dict]] = []
    try:
        for entry in ledger.scan():
            exp = entry.experiment_id or f"version:{entry.model_version}"
            label = client.hget(f"leadstream:exp:{exp}:leads", entry.lead_id)
            if label is not None:
                row = (entry.scored_at, entry.lead_id, {**entry.features, spec.target: int(label)})
                (heapq.heappush if len(newest) < limit else heapq.heappushpop)(newest, row)
    finally:
        client.close()
    return pd.DataFrame([row for _, _, row in sorted(newest, key=lambda r: r[:2])])


@dataclass(frozen=True)
class Validation:
    new_auc: float
    champion_auc: float | None
    floor: float
    passed: bool
    reason: str


def holdout_test(trained: TrainedModel) -> dict[str, np.ndarray]:
    """The raw test rows (the tail of the held-out columns) the new model was measured on."""
    n = len(trained.test_labels)
    return {k: v[-n:] for k, v in trained.holdout_columns.items()}


def validate(trained: TrainedModel, champion: ServingModel | None, floor: float,
             share: float = 0.95) -> Validation:
    """AUC >= ``floor`` and >= ``share`` of the champion's AUC on the same test rows."""
    new = trained.metrics.auc
    champ = None
    if champion is not None:
        matrix = champion.encoder.encode_columns(holdout_test(trained)).matrix
        champ = auc_roc(trained.test_labels, champion.predict(matrix))
    if new < floor:
        return Validation(new, champ, floor, False, f"AUC {new:.4f} below the floor {floor}")
    if champ is not None and new < share * champ:
        return Validation(new, champ, floor, False,
                          f"AUC {new:.4f} below {share:.0%} of the champion's {champ:.4f}")
    return Validation(new, champ, floor, True, "passed")


def train_candidate(frame: pd.DataFrame, spec: FeatureSpec, seed: int, settings: Settings):
    """The new model and its reference profile."""
    need = settings.train_min_rows
    if len(frame) < need or spec.target not in frame or frame[spec.target].nunique() < 2:
        raise FatalError(f"not enough labelled leads to retrain ({len(frame)} rows, "
                         f"need {need} with both outcomes)")
    trained = train_model(frame, spec, settings.train_config(seed))
    profile = with_importance(build_reference_profile(
        trained.holdout_columns, trained.holdout_scores, trained.spec,
        top_grade_bound=settings.grade_scale.top_bound), trained)
    return trained, profile
