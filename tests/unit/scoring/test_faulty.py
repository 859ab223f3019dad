import numpy as np
import pytest

from schemas.spec import load_spec
from scoring.faulty import constant_model, slow_model
from scoring.synthetic import SyntheticCRM
from scoring.training import TrainConfig, train_model


@pytest.fixture(scope="module")
def trained():
    frame = SyntheticCRM(3).leads(3000)
    config = TrainConfig(num_boost_round=60, early_stopping_rounds=10)
    return train_model(frame, load_spec(), config)


def predict(model, matrix):
    return np.asarray(model.booster.inplace_predict(matrix))


def holdout_matrix(trained):
    from scoring.features import FeatureEncoder

    return FeatureEncoder(trained.spec).encode_columns(trained.holdout_columns).matrix


def test_constant_model_scores_every_lead_the_same(trained):
    bad = constant_model(trained, 0.37)
    scores = predict(bad, holdout_matrix(trained))
    np.testing.assert_allclose(scores, 0.37, rtol=1e-6)
    assert bad.metrics.auc == pytest.approx(0.5)
    assert bad.params["faulty"] == "constant"
    with pytest.raises(ValueError, match="strictly between"):
        constant_model(trained, 1.0)


def test_slow_model_scores_the_same_but_does_more_work(trained):
    slow = slow_model(trained, copies=30)
    matrix = holdout_matrix(trained)
    np.testing.assert_allclose(predict(slow, matrix), predict(trained, matrix), atol=1e-5)
    assert slow.booster.num_boosted_rounds() == 30 * trained.booster.num_boosted_rounds()

