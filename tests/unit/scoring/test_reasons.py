"""Reason codes: contributions add up to the margin, categorical levels fold into their
feature, and the chosen reasons are the largest, each checked independently."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb

from schemas.spec import MISSING, load_spec
from scoring.features import FeatureEncoder
from scoring.reasons import Explainer, contributions, fold_matrix, top_reasons
from scoring.synthetic import SyntheticCRM
from scoring.training import TrainConfig, train_model


@pytest.fixture(scope="module")
def trained():
    return train_model(SyntheticCRM(4).leads(3000), load_spec(),
                       TrainConfig(seed=4, num_boost_round=60))


@pytest.fixture(scope="module")
def batch(trained):
    enc = FeatureEncoder(trained.spec)
    cols = {f: np.asarray(v)[:300] for f, v in trained.holdout_columns.items()}
    cols["industry"] = cols["industry"].copy()
    cols["industry"][:5] = None  # missing values must show as None
    return enc, enc.encode_columns(cols, 300)


@pytest.mark.parametrize("method", ["approx", "exact"])
def test_contributions_plus_bias_sum_to_the_margin(trained, batch, method) -> None:
    enc, b = batch
    c = contributions(trained.booster, b.matrix, enc.feature_names, method)
    margin = trained.booster.predict(xgb.DMatrix(b.matrix, feature_names=list(enc.feature_names)),
                                     output_margin=True)
    np.testing.assert_allclose(c.sum(axis=1), margin, rtol=1e-4, atol=1e-4)


def test_categorical_levels_fold_into_their_feature(trained, batch) -> None:
    enc, b = batch
    names = list(enc.feature_names)
    c = contributions(trained.booster, b.matrix, names, "exact")[:, :-1]
    folded = c @ fold_matrix(trained.spec, names)
    for j, f in enumerate(trained.spec.features):
        by_hand = sum(c[:, i] for i, n in enumerate(names)
                      if n == f.name or n.startswith(f.name + "__"))
        np.testing.assert_allclose(folded[:, j], by_hand, atol=1e-6)
    assert folded.shape == (300, len(trained.spec.features))


def test_the_chosen_reasons_are_the_largest() -> None:
    rng = np.random.default_rng(3)
    folded = rng.normal(size=(200, 8))
    folded[0] = [0.5, 0.4, 0.0, -0.1, 0, 0, 0, 0]  # one negative only, zeros are no reason
    ups, downs = top_reasons(folded, 3)
    for i in range(200):
        pos = sorted((v, j) for j, v in enumerate(folded[i]) if v > 0)[::-1][:3]
        neg = sorted((v, j) for j, v in enumerate(folded[i]) if v < 0)[:3]
        assert [j for j in ups[i] if j >= 0] == [j for _, j in pos]
        assert [j for j in downs[i] if j >= 0] == [j for _, j in neg]
    assert list(downs[0]) == [3, -1, -1]


def test_reasons_carry_the_lead_value_label_and_direction(trained, batch) -> None:
    enc, b = batch
    spec = trained.spec.model_copy(update={"features": tuple(
        f.model_copy(update={"label": "Engagement score"}) if f.name == "engagement_score"
        else f for f in trained.spec.features)})
    ex = Explainer(trained.booster, spec, enc.feature_names, k=3, method="exact")
    every = ex.explain(b)
    folded = ex.folded(b.matrix)
    names = [f.name for f in spec.features]
    for i, reasons in enumerate(every):
        assert 1 <= len(reasons) <= 6
        ups = [r for r in reasons if r.direction == "+"]
        assert [r.weight for r in ups] == sorted((r.weight for r in ups), reverse=True)
        for r in reasons:
            j = names.index(r.feature)
            assert r.weight == round(folded[i, j], 4) and (r.weight > 0) == (r.direction == "+")
            if r.feature in b.numeric:
                raw = b.numeric[r.feature][i]
                assert r.value == (None if np.isnan(raw) else raw)
            else:
                cat = b.categories[r.feature][i]
                assert r.value == (None if cat == MISSING else cat)
    labels = {r.feature: r.label for rs in every for r in rs}
    assert labels.get("engagement_score") == "Engagement score"
    assert labels.get("lead_source", "Lead source") == "Lead source"
    every_feature = Explainer(trained.booster, spec, enc.feature_names, k=len(names),
                              method="exact").explain(b)
    industry = [r for r in every_feature[0] if r.feature == "industry"]
    assert industry and industry[0].value is None  # row 0 sent no industry
