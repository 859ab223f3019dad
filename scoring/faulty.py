"""Deliberately bad model versions, for rollback drills, tests and the demo.

Both are real XGBoost boosters over the same encoded features as a trained model, so they
register, load and serve exactly like a good version; only their behaviour is wrong:

- :func:`constant_model` scores every lead the same (a collapsed score distribution);
- :func:`slow_model` scores exactly like the original but does ``copies`` times the work
  per lead (a latency regression).
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import xgboost as xgb

from scoring.metrics import evaluate
from scoring.training import TrainedModel


def constant_model(trained: TrainedModel, score: float = 0.5) -> TrainedModel:
    """A version that outputs ``score`` for every lead (one tree with learning rate 0)."""
    if not 0.0 < score < 1.0:
        raise ValueError(f"a constant score must be strictly between 0 and 1, got {score}")
    features = list(trained.feature_names)
    dtrain = xgb.DMatrix(np.zeros((2, len(features)), dtype=np.float32), label=[0.0, 1.0],
                         feature_names=features)
    params = {"objective": "binary:logistic", "base_score": score, "eta": 0.0,
              "max_depth": 1, "nthread": 1}
    booster = xgb.train(params, dtrain, num_boost_round=1)
    return _replaced(trained, booster, {**params, "faulty": "constant"})


def slow_model(trained: TrainedModel, copies: int = 200) -> TrainedModel:
    """A version ``copies`` times slower with the same scores (up to float rounding).

    Every tree is repeated ``copies`` times with its leaf values divided by ``copies``, so
    the summed margins are unchanged while each prediction walks ``copies`` times the trees.
    """
    if copies < 2:
        raise ValueError("a slow model needs at least 2 copies of the trees")
    model = json.loads(trained.booster.save_raw("json"))
    gbtree = model["learner"]["gradient_booster"]["model"]
    trees = []
    for tree in gbtree["trees"]:
        leaves = [i for i, child in enumerate(tree["left_children"]) if child == -1]
        scaled = dict(tree, split_conditions=list(tree["split_conditions"]))
        for i in leaves:
            scaled["split_conditions"][i] /= copies
        trees.extend([scaled] * copies)
    gbtree["trees"] = [dict(t, id=i) for i, t in enumerate(trees)]
    gbtree["tree_info"] = [0] * len(trees)
    gbtree["gbtree_model_param"]["num_trees"] = str(len(trees))
    gbtree["iteration_indptr"] = list(range(len(trees) + 1))
    model["learner"].get("attributes", {}).pop("best_iteration", None)
    booster = xgb.Booster()
    booster.load_model(bytearray(json.dumps(model).encode()))
    return _replaced(trained, booster, {**trained.params, "faulty": "slow", "copies": copies})


def _replaced(trained: TrainedModel, booster: xgb.Booster, params: dict) -> TrainedModel:
    """``trained`` with another booster; its held-out scores and metrics recomputed."""
    def scores(columns: dict[str, np.ndarray]) -> np.ndarray:
        from scoring.features import FeatureEncoder

        matrix = FeatureEncoder(trained.spec).encode_columns(columns).matrix
        return np.asarray(booster.inplace_predict(matrix), dtype=np.float64)

    holdout_scores = scores(trained.holdout_columns)
    n_test = trained.test_labels.size
    test_scores = holdout_scores[-n_test:]
    return dataclasses.replace(
        trained, booster=booster, params=params, holdout_scores=holdout_scores,
        test_scores=test_scores, metrics=evaluate(trained.test_labels, test_scores),
    )
