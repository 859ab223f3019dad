"""Reasons of a tiny model worked out by hand: depth-1 trees, whose TreeSHAP contribution
is the leaf a lead falls in minus the tree's cover-weighted mean leaf, on the feature the
tree splits on; the one-hot levels of a categorical fold into it."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb

from schemas.spec import CategoricalFeature, FeatureSpec, NumericFeature
from scoring.features import FeatureEncoder
from scoring.reasons import Explainer

SPEC = FeatureSpec(features=(
    NumericFeature(name="visits", label="Site visits"),
    CategoricalFeature(name="source", vocabulary=("web", "email", "event"))))


@pytest.fixture(scope="module")
def tiny():
    rng = np.random.default_rng(5)
    n = 600
    visits = rng.integers(0, 10, n).astype(float)
    source = rng.choice(["web", "email", "event"], n)
    label = ((source == "event") | (visits > 6)).astype(float)
    enc = FeatureEncoder(SPEC)
    matrix = enc.encode_columns({"visits": visits, "source": source}).matrix
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 1, "eta": 0.5,
                         "nthread": 1}, xgb.DMatrix(matrix, label=label,
                                                    feature_names=list(enc.feature_names)), 4)
    return booster, enc, matrix[:40]


def _by_hand(booster: xgb.Booster, matrix: np.ndarray, names: list[str]) -> np.ndarray:
    """Per row and spec feature (visits, source): sum over trees of leaf - mean leaf."""
    out = np.zeros((matrix.shape[0], 2))
    trees = booster.trees_to_dataframe()
    for _, tree in trees.groupby("Tree"):
        root = tree[tree["Node"] == 0].iloc[0]
        leaves = tree.set_index("ID")
        yes, no = leaves.loc[root["Yes"]], leaves.loc[root["No"]]
        mean = (yes["Gain"] * yes["Cover"] + no["Gain"] * no["Cover"]) / (
            yes["Cover"] + no["Cover"])
        column = matrix[:, names.index(root["Feature"])]
        leaf = np.where(column < root["Split"], yes["Gain"], no["Gain"])
        out[:, 0 if root["Feature"] == "visits" else 1] += leaf - mean
    return out


def test_levels_fold_into_their_feature_as_worked_out_by_hand(tiny) -> None:
    booster, enc, matrix = tiny
    names = list(enc.feature_names)
    split_on = set(booster.trees_to_dataframe().query("Node == 0")["Feature"])
    assert "visits" in split_on and split_on & {"source__0", "source__1", "source__2"}
    expected = _by_hand(booster, matrix, names)
    for method in ("exact", "approx"):  # the same on depth-1 trees
        folded = Explainer(booster, SPEC, names, 2, method).folded(matrix)
        np.testing.assert_allclose(folded, expected, atol=1e-5)


def test_choose_takes_exact_rows_exactly_and_the_strongest_features(tiny) -> None:
    booster, enc, matrix = tiny
    names = list(enc.feature_names)
    expected = _by_hand(booster, matrix, names)
    exact = np.arange(matrix.shape[0]) % 2 == 0
    chosen = Explainer(booster, SPEC, names, 1).choose(matrix, exact)
    assert chosen.features.shape == (40, 2) and chosen.exact.tolist() == exact.tolist()
    for i in range(40):
        up, down = chosen.features[i]
        best, worst = int(np.argmax(expected[i])), int(np.argmin(expected[i]))
        assert up == (best if expected[i, best] > 0 else -1)
        assert down == (worst if expected[i, worst] < 0 else -1)
        for j, w in zip(chosen.features[i], chosen.weights[i], strict=True):
            assert w == (pytest.approx(expected[i, j], abs=1e-5) if j >= 0 else 0.0)


def test_choose_reports_how_long_each_method_took(tiny, monkeypatch) -> None:
    """The seconds each contributions call took, by method (the scorer's reasons budget
    reads them); a method with no rows took none."""
    booster, enc, matrix = tiny
    names = list(enc.feature_names)
    clock = iter([10.0, 10.25, 20.0, 20.5])  # exact: 0.25 s, then approx: 0.5 s
    monkeypatch.setattr("scoring.reasons.time.perf_counter", lambda: next(clock))
    half = np.arange(matrix.shape[0]) % 2 == 0
    chosen = Explainer(booster, SPEC, names, 1).choose(matrix, half)
    assert (chosen.exact_s, chosen.approx_s) == (0.25, 0.5)
    clock = iter([1.0, 1.125])
    only_approx = Explainer(booster, SPEC, names, 1).choose(matrix, np.zeros(40, dtype=bool))
    assert (only_approx.exact_s, only_approx.approx_s) == (0.0, 0.125)
    clock = iter([3.0, 3.75])
    only_exact = Explainer(booster, SPEC, names, 1).choose(matrix, np.ones(40, dtype=bool))
    assert (only_exact.exact_s, only_exact.approx_s) == (0.75, 0.0)
