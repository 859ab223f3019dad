"""Training on synthetic and real CRM data; metrics agree with scikit-learn."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import log_loss, roc_auc_score

from schemas.errors import FatalError
from schemas.spec import load_spec
from scoring.crm_export import read_crm_export
from scoring.features import FeatureEncoder
from scoring.metrics import auc_roc, calibration_table, evaluate, precision_at_top
from scoring.synthetic import SyntheticCRM
from scoring.training import TrainConfig, data_hash, train_model

ROOT = Path(__file__).resolve().parents[3]
X_EDUCATION = ROOT.parent / "shared" / "datasets" / "x-education-leads.csv"


@pytest.fixture(scope="module")
def trained():
    return train_model(SyntheticCRM(0).leads(6000), load_spec(), TrainConfig(seed=0))


def test_synthetic_model_is_sensible(trained):
    m = trained.metrics
    assert m.auc > 0.75
    assert m.precision_at_10pct > 2 * m.positive_rate
    assert trained.spec.is_trained
    assert trained.params["best_iteration"] < 1000  # early stopping kicked in
    n = trained.params["n_train"] + trained.params["n_valid"] + trained.params["n_test"]
    assert n == 6000 and m.n == trained.params["n_test"]


def test_metrics_match_sklearn(trained):
    y, p = trained.test_labels, trained.test_scores
    assert trained.metrics.auc == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert trained.metrics.log_loss == pytest.approx(log_loss(y, p), rel=1e-9)


def test_calibration_and_precision_on_known_values():
    y = np.array([0, 0, 1, 1, 0, 1, 0, 0, 1, 1] * 10)
    p = np.linspace(0.01, 0.99, y.size)
    table = calibration_table(y, p)
    assert len(table) == 10 and sum(b.n for b in table) == y.size
    assert table[-1].observed_rate == pytest.approx(y[-10:].mean())
    assert precision_at_top(y, p, 0.1) == pytest.approx(y[-10:].mean())
    assert auc_roc(np.array([0, 1]), np.array([0.5, 0.5])) == 0.5
    assert np.isnan(evaluate(np.zeros(3), np.full(3, 0.2)).auc)


def test_holdout_scores_reproduce_from_the_booster(trained):
    enc = FeatureEncoder(trained.spec)
    matrix = enc.encode_columns(trained.holdout_columns).matrix
    np.testing.assert_allclose(trained.booster.inplace_predict(matrix),
                               trained.holdout_scores, rtol=1e-6)
    assert enc.feature_names == trained.feature_names


def test_training_is_seeded_and_hash_is_canonical():
    frame = SyntheticCRM(1).leads(1500)
    a = train_model(frame, load_spec(), TrainConfig(seed=3, nthread=1))
    b = train_model(frame.copy(), load_spec(), TrainConfig(seed=3, nthread=1))
    np.testing.assert_array_equal(a.test_scores, b.test_scores)
    assert a.data_hash == b.data_hash == data_hash(frame.drop(columns="lead_id"), load_spec())
    changed = frame.copy()
    changed.loc[0, "engagement_score"] = 99.0
    assert data_hash(changed, load_spec()) != a.data_hash


def test_bad_training_data_is_a_clear_error():
    frame = SyntheticCRM(1).leads(200)
    with pytest.raises(FatalError, match="lacks column"):
        train_model(frame.drop(columns="region"), load_spec())
    with pytest.raises(FatalError, match="0/1"):
        train_model(frame.assign(converted=2), load_spec())


@pytest.mark.skipif(not X_EDUCATION.is_file(), reason=f"{X_EDUCATION} not present")
def test_x_education_trains_end_to_end():
    spec = load_spec(ROOT / "examples" / "x-education.spec.toml")
    frame, report = read_crm_export(X_EDUCATION, spec)
    assert report.rows_kept == 9237
    result = train_model(frame, spec, TrainConfig(seed=0))
    assert 0.8 < result.metrics.auc < 0.95  # without the leaky post-contact columns
    # the test split is the newest 20 % by Lead Number: its conversion rate, from the raw file
    raw = pd.read_csv(X_EDUCATION).sort_values("Lead Number", kind="stable")
    newest = raw.tail(round(len(raw) * 0.2))
    assert result.metrics.positive_rate == pytest.approx(newest["Converted"].mean(), abs=1e-12)
    assert result.metrics.n == len(newest) and "time-ordered" in result.split
    assert result.metrics.auc_low < result.metrics.auc < result.metrics.auc_high
