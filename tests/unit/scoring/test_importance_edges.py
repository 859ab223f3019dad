"""Importance at training at its edges: the default sample's seed, exact contributions
when asked for, and no rows at all; against XGBoost's own per-column contributions summed
by hand over each feature's columns."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb

from schemas.spec import load_spec
from scoring.features import FeatureEncoder
from scoring.importance import training_importance
from scoring.synthetic import SyntheticCRM
from scoring.training import TrainConfig, train_model


@pytest.fixture(scope="module")
def trained():
    return train_model(SyntheticCRM(4).leads(2000), load_spec(), TrainConfig(seed=4))


def expected_importance(trained, rows: np.ndarray, approx: bool) -> dict[str, float]:
    encoder = FeatureEncoder(trained.spec)
    batch = encoder.encode_columns({k: np.asarray(v)[rows] for k, v in
                                    trained.holdout_columns.items()}, rows.size)
    contribs = trained.booster.predict(
        xgb.DMatrix(batch.matrix, feature_names=list(encoder.feature_names)),
        pred_contribs=True, approx_contribs=approx)[:, :-1]
    out = {}
    for f in trained.spec.features:
        cols = [i for i, name in enumerate(encoder.feature_names)
                if name == f.name or name.startswith(f.name + "__")]
        out[f.name] = float(np.abs(contribs[:, cols].sum(axis=1)).mean())
    return out


def assert_close(got: dict[str, float], expected: dict[str, float]) -> None:
    assert set(got) == set(expected)
    for name, value in expected.items():
        assert np.isclose(got[name], value, rtol=1e-5, atol=1e-7), name


def test_the_default_sample_is_drawn_with_seed_zero(trained) -> None:
    n = len(trained.holdout_scores)
    rows = np.sort(np.random.default_rng(0).choice(n, 150, replace=False))
    other = np.sort(np.random.default_rng(1).choice(n, 150, replace=False))
    expected = expected_importance(trained, rows, approx=True)
    assert expected != expected_importance(trained, other, approx=True)  # the seed matters
    assert_close(training_importance(trained, max_rows=150), expected)


def test_exact_contributions_when_asked_for(trained) -> None:
    rows = np.arange(len(trained.holdout_scores))
    exact = expected_importance(trained, rows, approx=False)
    assert exact != expected_importance(trained, rows, approx=True)  # the methods differ here
    assert_close(training_importance(trained, method="exact"), exact)


def test_no_rows_give_zero_importance_for_every_feature(trained) -> None:
    got = training_importance(trained, max_rows=0)
    assert got == {f.name: 0.0 for f in trained.spec.features}
