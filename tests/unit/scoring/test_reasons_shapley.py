"""Reasons of a small depth-3 model against brute force: ``exact`` is the Shapley value of
each column (every subset of the columns, absent ones averaged over both branches by cover),
``approx`` is Saabas (the change of the cover-weighted node mean along each lead's path).
On trees this deep the two differ, so each method, the default and ``choose``'s per-row
pick are told apart; both are computed here from ``trees_to_dataframe`` alone."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
import xgboost as xgb

from schemas.spec import CategoricalFeature, FeatureSpec, NumericFeature
from scoring.features import FeatureEncoder
from scoring.reasons import Explainer, contributions, fold_matrix, top_reasons

SPEC = FeatureSpec(features=(
    NumericFeature(name="visits"), NumericFeature(name="pages"),
    CategoricalFeature(name="source", vocabulary=("web", "email", "event"))))
FOLD = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1], [0, 0, 1]], dtype=float)


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(11)
    n = 800
    visits = rng.integers(0, 10, n).astype(float)
    pages = rng.integers(0, 10, n).astype(float)
    source = rng.choice(["web", "email", "event"], n)
    label = (((visits > 5) & (pages > 4)) | (source == "event")) ^ (rng.random(n) < 0.1)
    enc = FeatureEncoder(SPEC)
    cols = {"visits": visits, "pages": pages, "source": source}
    names = list(enc.feature_names)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 3, "eta": 0.5,
                         "nthread": 1}, xgb.DMatrix(enc.encode_columns(cols).matrix,
                                                    label=label.astype(float),
                                                    feature_names=names), 4)
    small = {k: v[:30] for k, v in cols.items()}
    batch = enc.encode_columns(small, 30)
    return booster, names, batch


def _trees(booster: xgb.Booster) -> list[dict]:
    out = []
    for _, t in booster.trees_to_dataframe().groupby("Tree"):
        out.append({row.ID: row for row in t.itertuples()})
    return out


def _mean(tree: dict, node: str) -> float:
    row = tree[node]
    if row.Feature == "Leaf":
        return float(row.Gain)
    yes, no = tree[row.Yes], tree[row.No]
    return (_mean(tree, row.Yes) * yes.Cover + _mean(tree, row.No) * no.Cover) / (
        yes.Cover + no.Cover)


def _conditional(tree: dict, node: str, x: dict, known: set[str]) -> float:
    """E[tree(x) | the columns in ``known``]: unknown splits average both sides by cover."""
    row = tree[node]
    if row.Feature == "Leaf":
        return float(row.Gain)
    if row.Feature in known:
        return _conditional(tree, row.Yes if x[row.Feature] < row.Split else row.No, x, known)
    yes, no = tree[row.Yes], tree[row.No]
    return (_conditional(tree, row.Yes, x, known) * yes.Cover
            + _conditional(tree, row.No, x, known) * no.Cover) / (yes.Cover + no.Cover)


def shapley(booster: xgb.Booster, matrix: np.ndarray, names: list[str]) -> np.ndarray:
    trees, m = _trees(booster), len(names)
    out = np.zeros((matrix.shape[0], m))
    for r in range(matrix.shape[0]):
        x = dict(zip(names, matrix[r].tolist(), strict=True))
        for i, name in enumerate(names):
            others = [c for c in names if c != name]
            for size in range(m):
                w = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
                for subset in itertools.combinations(others, size):
                    s = set(subset)
                    out[r, i] += w * sum(_conditional(t, t_root(t), x, s | {name})
                                         - _conditional(t, t_root(t), x, s) for t in trees)
    return out


def t_root(tree: dict) -> str:
    return next(k for k in tree if k.endswith("-0"))


def saabas(booster: xgb.Booster, matrix: np.ndarray, names: list[str]) -> np.ndarray:
    trees = _trees(booster)
    out = np.zeros((matrix.shape[0], len(names)))
    for r in range(matrix.shape[0]):
        x = dict(zip(names, matrix[r].tolist(), strict=True))
        for t in trees:
            node = t_root(t)
            while t[node].Feature != "Leaf":
                row = t[node]
                child = row.Yes if x[row.Feature] < row.Split else row.No
                out[r, names.index(row.Feature)] += _mean(t, child) - _mean(t, node)
                node = child
    return out


def test_exact_is_shapley_and_approx_is_saabas_and_they_differ(model) -> None:
    booster, names, batch = model
    exact, approx = shapley(booster, batch.matrix, names), saabas(booster, batch.matrix, names)
    assert np.abs(exact - approx).max() > 0.05  # this model tells the methods apart
    got_exact = contributions(booster, batch.matrix, names, "exact")[:, :-1]
    np.testing.assert_allclose(got_exact, exact, atol=1e-4)
    np.testing.assert_allclose(contributions(booster, batch.matrix, names, "approx")[:, :-1],
                               approx, atol=1e-4)
    # the default method is approx
    np.testing.assert_allclose(contributions(booster, batch.matrix, names)[:, :-1], approx,
                               atol=1e-4)


def test_explainer_folds_with_its_method_unless_told_otherwise(model) -> None:
    booster, names, batch = model
    exact = shapley(booster, batch.matrix, names) @ FOLD
    approx = saabas(booster, batch.matrix, names) @ FOLD
    default = Explainer(booster, SPEC, names, 2)
    np.testing.assert_allclose(default.folded(batch.matrix), approx, atol=1e-4)
    np.testing.assert_allclose(default.folded(batch.matrix, "exact"), exact, atol=1e-4)
    exact_ex = Explainer(booster, SPEC, names, 2, "exact")
    np.testing.assert_allclose(exact_ex.folded(batch.matrix), exact, atol=1e-4)
    np.testing.assert_allclose(exact_ex.folded(batch.matrix, "approx"), approx, atol=1e-4)


@pytest.mark.parametrize("method", ["approx", "exact"])
def test_choose_explains_each_row_with_its_own_method(model, method) -> None:
    booster, names, batch = model
    exact = shapley(booster, batch.matrix, names) @ FOLD
    approx = saabas(booster, batch.matrix, names) @ FOLD
    rows = np.arange(30) % 3 == 0
    chosen = Explainer(booster, SPEC, names, 3, method).choose(batch.matrix, rows)
    expected = np.where(rows[:, None], exact, approx)
    for i in range(30):
        ups = [j for j in np.argsort(-expected[i], kind="stable") if expected[i, j] > 0]
        downs = [j for j in np.argsort(expected[i], kind="stable") if expected[i, j] < 0]
        want = ups + [-1] * (3 - len(ups)) + downs + [-1] * (3 - len(downs))
        assert chosen.features[i].tolist() == want, i
        for j, w in zip(want, chosen.weights[i], strict=True):
            assert w == (pytest.approx(expected[i, j], abs=1e-4) if j >= 0 else 0.0)


def test_explain_gives_every_lead_its_reasons_by_hand(model) -> None:
    booster, names, batch = model
    folded = saabas(booster, batch.matrix, names) @ FOLD
    every = Explainer(booster, SPEC, names, 1).explain(batch)
    assert len(every) == 30
    for i, reasons in enumerate(every):
        best, worst = int(np.argmax(folded[i])), int(np.argmin(folded[i]))
        want = ([(SPEC.features[best].name, "+")] if folded[i, best] > 0 else []) + (
            [(SPEC.features[worst].name, "-")] if folded[i, worst] < 0 else [])
        assert [(r.feature, r.direction) for r in reasons] == want, i
    features = {r.feature for rs in every for r in rs}
    assert "visits" in features  # the spec's first feature is a reason too
    assert any(r.direction == "-" for rs in every for r in rs)


def test_one_lead_and_no_lead(model) -> None:
    booster, names, batch = model
    ex = Explainer(booster, SPEC, names, 2)
    one = ex.folded(batch.matrix[:1])
    np.testing.assert_allclose(one, saabas(booster, batch.matrix[:1], names) @ FOLD,
                               atol=1e-4)
    assert np.abs(one).max() > 0
    none = ex.folded(batch.matrix[:0])
    assert none.shape == (0, 3)


def _nthread(booster: xgb.Booster) -> str:
    return json.loads(booster.save_config())["learner"]["generic_param"]["nthread"]


def test_threads_gives_the_explainer_its_own_booster(model) -> None:
    booster, names, batch = model
    before = _nthread(booster)
    ex = Explainer(booster, SPEC, names, 2, threads=2)
    assert _nthread(ex._booster) == "2" and _nthread(booster) == before
    assert ex._booster is not booster
    np.testing.assert_allclose(ex.folded(batch.matrix),
                               saabas(booster, batch.matrix, names) @ FOLD, atol=1e-4)
    assert Explainer(booster, SPEC, names, 2)._booster is booster


def test_feature_names_holding_a_double_underscore_fold_into_their_feature() -> None:
    spec = FeatureSpec(features=(
        NumericFeature(name="page__views"),
        CategoricalFeature(name="utm__source", vocabulary=("ads", "mail")),
        NumericFeature(name="utm")))
    names = list(FeatureEncoder(spec).feature_names)
    assert names == ["page__views", "utm", "utm__source__0", "utm__source__1"]
    np.testing.assert_array_equal(fold_matrix(spec, names),
                                  [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 0]])


def test_equally_strong_features_come_in_spec_order() -> None:
    folded = np.zeros((3, 40))
    folded[0, :] = 1.0
    folded[1, ::2] = -2.0
    folded[2, :] = 1.0
    folded[2, ::2] = 2.0
    ups, downs = top_reasons(folded, 5)
    assert ups[0].tolist() == [0, 1, 2, 3, 4] and downs[0].tolist() == [-1] * 5
    assert downs[1].tolist() == [0, 2, 4, 6, 8] and ups[1].tolist() == [-1] * 5
    assert ups[2].tolist() == [0, 2, 4, 6, 8]
