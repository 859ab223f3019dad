"""A small trained model for the scoring unit tests, built in-process in well under a second."""

import numpy as np
import pytest
import xgboost as xgb

from schemas.spec import load_spec
from scoring.features import FeatureEncoder, learn_vocabularies
from scoring.model import ServingModel


def random_columns(n: int, seed: int = 0) -> dict[str, list]:
    rng = np.random.default_rng(seed)
    return {
        "lead_source": rng.choice(["Web", "Referral", "Event", None], n).tolist(),
        "industry": rng.choice(["saas", "retail", "finance"], n).tolist(),
        "region": rng.choice(["emea", "na", "apac"], n).tolist(),
        "company_size": rng.integers(1, 5000, n).tolist(),
        "engagement_score": rng.uniform(0, 100, n).tolist(),
        "website_visits": rng.integers(0, 30, n).tolist(),
        "email_opens": rng.integers(0, 20, n).tolist(),
        "days_since_first_contact": rng.uniform(0, 90, n).tolist(),
    }


@pytest.fixture(scope="session")
def tiny_model() -> ServingModel:
    spec = load_spec()
    columns = random_columns(2000)
    spec = spec.with_vocabularies(learn_vocabularies(spec, columns))
    encoded = FeatureEncoder(spec).encode_columns(columns)
    label = (np.asarray(columns["engagement_score"]) > 60).astype(float)
    dtrain = xgb.DMatrix(encoded.matrix, label=label)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 3, "nthread": 1},
                        dtrain, 20)  # one thread, as training gives every served model
    return ServingModel("lead-scoring", "1", "champion", booster, spec)
