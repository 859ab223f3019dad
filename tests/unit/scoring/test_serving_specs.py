"""A challenger trained on another spec scores its own encoding of the leads; runs are timed."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import numpy as np
import pytest
import xgboost as xgb

from schemas.control import ServingConfig
from schemas.leads import incoming_model
from schemas.monitor import ModelRole
from scoring.model import ServingModel
from scoring.serving import ModelFailed, ServingPlan, serve
from tests.unit.scoring.conftest import random_columns

N = 200


def _config(mode: str, share: float = 0.0) -> ServingConfig:
    split = mode in ("canary", "ab")
    return ServingConfig(model_name="lead-scoring", champion_version="1",
                         challenger_version="2", mode=mode, treatment_share=share,
                         experiment_id="e" if split else None, salt="s" if split else None,
                         sequence=1, actor="t", updated_at=datetime.now(UTC))


@pytest.fixture(scope="module")
def leads_and_batch(tiny_model):
    columns = random_columns(N, seed=9)
    model = incoming_model(tiny_model.spec)
    leads = [model(lead_id=f"l{i}", **{k: v[i] for k, v in columns.items()}) for i in range(N)]
    return leads, tiny_model.encoder.encode_leads(leads)


def other_spec_model(tiny_model: ServingModel) -> ServingModel:
    """v2 with a smaller lead_source vocabulary: its matrix has other columns."""
    vocab = {f.name: f.vocabulary for f in tiny_model.spec.categorical}
    vocab["lead_source"] = ("web",)
    spec = tiny_model.spec.with_vocabularies(vocab)
    width = len(spec.numeric) + sum(len(f.vocabulary) for f in spec.categorical)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, width)).astype(np.float32)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 2},
                        xgb.DMatrix(x, label=(x[:, 0] > 0).astype(float)), 5)
    return ServingModel("lead-scoring", "2", "challenger", booster, spec)


def test_a_challenger_with_another_spec_scores_its_own_encoding(tiny_model, leads_and_batch):
    leads, batch = leads_and_batch
    challenger = other_spec_model(tiny_model)
    served = serve(ServingPlan(tiny_model, challenger, _config("shadow")), leads, batch)
    own = challenger.encoder.encode_leads(leads).matrix
    assert own.shape[1] != batch.matrix.shape[1]
    np.testing.assert_allclose(served.shadow.scores, challenger.predict(own))
    assert served.shadow.role is ModelRole.CHALLENGER and served.shadow.model is challenger


def test_a_challenger_that_cannot_encode_the_leads_fails_as_the_challenger(
        tiny_model, leads_and_batch):
    leads, batch = leads_and_batch
    challenger = other_spec_model(tiny_model)
    broken = dataclasses.replace(challenger)
    object.__setattr__(broken, "encoder", None)  # encode_leads raises AttributeError
    with pytest.raises(ModelFailed) as info:
        serve(ServingPlan(tiny_model, broken, _config("ab", 1.0)), leads, batch)
    assert info.value.role is ModelRole.CHALLENGER and info.value.model is broken
    assert str(info.value).startswith(f"challenger {broken.label} failed: AttributeError(")


def test_runs_record_model_rows_and_a_plausible_time(tiny_model, leads_and_batch):
    leads, batch = leads_and_batch
    served = serve(ServingPlan(tiny_model), leads, batch)
    (run,) = served.runs
    assert run.model is tiny_model and run.rows.tolist() == list(range(N))
    assert 0.0 < run.seconds < 5.0
    assert (served.served_seconds == run.seconds).all()


def test_only_the_models_that_serve_rows_run(tiny_model, leads_and_batch):
    leads, batch = leads_and_batch
    challenger = dataclasses.replace(tiny_model, version="2", alias="challenger")
    everyone = serve(ServingPlan(tiny_model, challenger, _config("ab", 1.0)), leads, batch)
    assert [r.role for r in everyone.runs] == [ModelRole.CHALLENGER]
    empty = serve(ServingPlan(tiny_model), [], tiny_model.encoder.encode_leads([]))
    assert [r.role for r in empty.runs] == [ModelRole.CHAMPION] and len(empty) == 0


def test_a_challenger_whose_spec_differs_beyond_vocabularies_reads_the_leads_again(
        tiny_model, leads_and_batch):
    """Another imputation (not a vocabulary): the champion's encoding cannot be reused, so
    the challenger encodes the leads itself; checked against its own encoding of them."""
    leads = [lead.model_copy(update={"website_visits": None}) if i % 2 else lead
             for i, lead in enumerate(leads_and_batch[0])]  # half of them to impute
    batch = tiny_model.encoder.encode_leads(leads)
    features = [f.model_copy(update={"impute": 7.0}) if f.name == "website_visits" else f
                for f in tiny_model.spec.features]
    spec = tiny_model.spec.model_copy(update={"features": features})
    challenger = dataclasses.replace(tiny_model, version="2", alias="challenger")
    object.__setattr__(challenger, "spec", spec)
    object.__setattr__(challenger, "encoder", type(tiny_model.encoder)(spec))
    assert challenger.encoder.reencode(batch, tiny_model.spec) is None
    served = serve(ServingPlan(tiny_model, challenger, _config("shadow")), leads, batch)
    own = challenger.encoder.encode_leads(leads).matrix
    assert not np.array_equal(own, batch.matrix)  # the imputed value differs somewhere
    np.testing.assert_allclose(served.shadow.scores, challenger.predict(own))
