"""Training: a DataFrame of leads read through a spec → a checked XGBoost model and metrics.

Pure (no MLflow, no files): the registry adapter logs what :func:`train_model` returns.
Rows are split train / validation / test, 60/20/20 by default (:mod:`scoring.split`): by time
when the frame has a ``lead_time`` column (the newest leads are the test split, as the model
will meet them), else stratified and seeded; the split used is described in
:attr:`TrainedModel.split`. Vocabularies are learned on the training split only; boosting
stops early on validation log-loss; the metrics (AUC with its DeLong interval) come from the
untouched test split. With ``refit``, the chosen number of rounds is then trained again on
every row, and that model is the one returned. The held-out rows (validation + test) with
the selection model's scores are kept for the reference profile of the drift monitors.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xgboost as xgb

from schemas.errors import FatalError
from schemas.spec import FeatureSpec
from scoring.features import FeatureEncoder, learn_vocabularies
from scoring.metrics import Metrics, evaluate
from scoring.split import split_rows
from scoring.training_gates import MIN_NEGATIVES, MIN_POSITIVES, MIN_ROWS

DEFAULT_PARAMS: dict[str, object] = {
    "objective": "binary:logistic", "tree_method": "hist", "eval_metric": "logloss",
    "max_depth": 4, "eta": 0.05, "subsample": 0.8, "colsample_bytree": 0.8,
    "min_child_weight": 2.0, "lambda": 1.0,
}


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0
    valid_fraction: float = 0.2
    test_fraction: float = 0.2
    num_boost_round: int = 1000
    early_stopping_rounds: int = 40
    params: dict[str, object] = field(default_factory=lambda: dict(DEFAULT_PARAMS))
    nthread: int = 1
    """XGBoost threads (0 = all cores). One is fastest for CRM-sized data (10^4-10^5
    rows) and immune to contention: on a busy 2-core host, 2 threads trained 8x slower."""
    time_ordered: bool = True
    """Split by ``lead_time`` when the frame has it (else stratified at random)."""
    refit: bool = False
    """After choosing the rounds on the validation split, train again on every row."""
    min_rows: int = MIN_ROWS
    """Fewer usable rows than this: refuse to train (the error says how many there are)."""
    min_positives: int = MIN_POSITIVES
    """Fewer conversions than this: refuse (Dynamics 365 asks for 40 of each outcome)."""
    min_negatives: int = MIN_NEGATIVES
    """Fewer non-conversions than this: refuse."""


@dataclass(frozen=True)
class TrainedModel:
    booster: xgb.Booster
    spec: FeatureSpec
    """The spec with learned vocabularies: store it with the model."""
    metrics: Metrics
    """Measured on the test split."""
    params: dict[str, object]
    """XGBoost parameters plus split sizes, seed and best iteration."""
    data_hash: str
    """sha256 of the training data in canonical form (see :func:`data_hash`)."""
    feature_names: tuple[str, ...]
    holdout_columns: dict[str, np.ndarray]
    """Raw feature values of the validation + test rows (for the reference profile)."""
    holdout_scores: np.ndarray
    """The model's scores of those rows."""
    test_labels: np.ndarray
    test_scores: np.ndarray
    split: str = ""
    """How the rows were split, in words (logged and printed with the metrics)."""


def train_model(
    frame: pd.DataFrame, spec: FeatureSpec, config: TrainConfig | None = None
) -> TrainedModel:
    """Train on ``frame`` (spec feature columns + the spec's 0/1 target column)."""
    config = config or TrainConfig()
    frame = frame.reset_index(drop=True)
    _check(frame, spec, config)
    split = split_rows(frame, spec.target, config.valid_fraction, config.test_fraction,
                       config.seed, config.time_ordered)
    train, valid, test = split.train, split.valid, split.test
    trained_spec = spec.with_vocabularies(learn_vocabularies(spec, _columns(train, spec)))
    encoder = FeatureEncoder(trained_spec)
    dtrain, dvalid, dtest = (
        xgb.DMatrix(_encode(encoder, part), label=part[spec.target].to_numpy(),
                    feature_names=list(encoder.feature_names))
        for part in (train, valid, test)
    )
    params = {**config.params, "seed": config.seed, "nthread": config.nthread}
    booster = xgb.train(
        params, dtrain, num_boost_round=config.num_boost_round,
        evals=[(dvalid, "valid")], early_stopping_rounds=config.early_stopping_rounds,
        verbose_eval=False,
    )
    best = booster.best_iteration
    booster = booster[: best + 1]
    test_scores = booster.predict(dtest)
    valid_scores = booster.predict(dvalid)
    holdout = pd.concat([valid, test])
    described = split.description + (f"; refit on all {len(frame)} rows with {best + 1} "
                                      "rounds" if config.refit else "")
    if config.refit:
        trained_spec, booster = _refit(frame, spec, params, best + 1)
        encoder = FeatureEncoder(trained_spec)
    return TrainedModel(
        booster=booster, spec=trained_spec,
        metrics=evaluate(test[spec.target].to_numpy(), test_scores),
        params={**params, "best_iteration": best, "n_train": len(train),
                "n_valid": len(valid), "n_test": len(test), "split": described,
                "refit": config.refit},
        data_hash=data_hash(frame, spec),
        feature_names=encoder.feature_names,
        holdout_columns=_columns(holdout, spec),
        holdout_scores=np.concatenate([valid_scores, test_scores]).astype(np.float64),
        test_labels=test[spec.target].to_numpy(dtype=np.int64),
        test_scores=test_scores.astype(np.float64),
        split=described,
    )


def _refit(frame: pd.DataFrame, spec: FeatureSpec, params: dict, rounds: int):
    """Vocabularies and ``rounds`` boosting rounds on every row (no early stopping)."""
    full_spec = spec.with_vocabularies(learn_vocabularies(spec, _columns(frame, spec)))
    encoder = FeatureEncoder(full_spec)
    dall = xgb.DMatrix(_encode(encoder, frame), label=frame[spec.target].to_numpy(),
                       feature_names=list(encoder.feature_names))
    return full_spec, xgb.train(params, dall, num_boost_round=rounds, verbose_eval=False)


def data_hash(frame: pd.DataFrame, spec: FeatureSpec) -> str:
    """sha256 over the spec's feature columns and target, in spec order, rows as given.

    Numeric values hash as little-endian float64 (every NaN alike); categorical values as
    UTF-8 strings, missing as a NUL byte. Extra columns (lead ids, ...) do not count.
    """
    h = hashlib.sha256()
    for f in spec.features:
        h.update(f"{f.name}:{f.kind}\n".encode())
        col = frame[f.name]
        if f.kind == "numeric":
            values = pd.to_numeric(col, errors="raise").to_numpy(dtype="<f8")
            h.update(np.where(np.isnan(values), np.nan, values).astype("<f8").tobytes())
        else:
            h.update("\x1f".join("\x00" if _missing(v) else str(v) for v in col).encode())
    h.update(f"{spec.target}\n".encode())
    h.update(frame[spec.target].to_numpy(dtype="<i8").tobytes())
    return h.hexdigest()


def _check(frame: pd.DataFrame, spec: FeatureSpec, config: TrainConfig) -> None:
    missing = [c for c in (*(f.name for f in spec.features), spec.target) if c not in frame]
    if missing:
        raise FatalError(f"training data lacks column(s) {missing} named by spec {spec.name!r}")
    y = frame[spec.target].to_numpy()
    if not np.isin(y, (0, 1)).all():
        raise FatalError(f"target {spec.target!r} must be 0/1; found {sorted(set(y))[:5]}")
    positives = int(y.sum())
    negatives = len(y) - positives
    if (len(y) < config.min_rows or positives < config.min_positives
            or negatives < config.min_negatives):
        raise FatalError(
            f"too little data to train: {len(y)} rows with {positives} conversions and "
            f"{negatives} non-conversions; at least {config.min_rows} rows, "
            f"{config.min_positives} conversions and {config.min_negatives} non-conversions "
            "are needed (LEADSTREAM_TRAIN_MIN_ROWS / _MIN_POSITIVES / _MIN_NEGATIVES)")


def _columns(part: pd.DataFrame, spec: FeatureSpec) -> dict[str, np.ndarray]:
    """Raw values per feature: float64 (NaN = missing) or object (None = missing)."""
    return {
        f.name: pd.to_numeric(part[f.name]).to_numpy(dtype=np.float64)
        if f.kind == "numeric" else part[f.name].to_numpy(dtype=object)
        for f in spec.features
    }


def _encode(encoder: FeatureEncoder, part: pd.DataFrame) -> np.ndarray:
    return encoder.encode_columns(_columns(part, encoder.spec), len(part)).matrix


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))
