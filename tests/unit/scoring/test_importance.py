"""Importance at training: mean |contribution| per spec feature, against XGBoost's own
per-column contributions summed by hand over each feature's columns."""

from __future__ import annotations

import numpy as np
import xgboost as xgb

from monitors.binning import build_reference_profile
from schemas.profile import ReferenceProfile
from schemas.spec import load_spec
from scoring.features import FeatureEncoder
from scoring.importance import training_importance, with_importance
from scoring.synthetic import SyntheticCRM
from scoring.training import TrainConfig, train_model


def test_training_importance_matches_per_column_contributions() -> None:
    spec = load_spec()
    trained = train_model(SyntheticCRM(3).leads(3000), spec, TrainConfig(seed=3))
    got = training_importance(trained, max_rows=400, seed=1)
    n = len(trained.holdout_scores)
    rows = np.sort(np.random.default_rng(1).choice(n, 400, replace=False))
    encoder = FeatureEncoder(trained.spec)
    batch = encoder.encode_columns({k: np.asarray(v)[rows] for k, v in
                                    trained.holdout_columns.items()}, 400)
    contribs = trained.booster.predict(
        xgb.DMatrix(batch.matrix, feature_names=list(encoder.feature_names)),
        pred_contribs=True, approx_contribs=True)[:, :-1]
    for f in spec.features:
        cols = [i for i, name in enumerate(encoder.feature_names)
                if name == f.name or name.startswith(f.name + "__")]
        expected = np.abs(contribs[:, cols].sum(axis=1)).mean()
        assert np.isclose(got[f.name], expected, rtol=1e-5, atol=1e-7), f.name
    assert max(got, key=got.get) in {f.name for f in spec.features}
    profile = with_importance(build_reference_profile(
        trained.holdout_columns, trained.holdout_scores, trained.spec), trained)
    stored = ReferenceProfile.model_validate_json(profile.model_dump_json())
    assert stored.importance is not None and set(stored.importance) == set(got)
