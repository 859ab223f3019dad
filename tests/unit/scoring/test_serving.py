"""The serving plan applied to a batch: who predicts which rows, shadow, failures."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import numpy as np
import pytest
import xgboost as xgb

from schemas.control import ServingConfig, ServingMode
from schemas.errors import FatalError
from schemas.leads import incoming_model
from schemas.monitor import ModelRole
from schemas.scored import Variant
from scoring.model import ServingModel
from scoring.routing import route_batch
from scoring.serving import ModelFailed, ServingPlan, serve
from tests.unit.scoring.conftest import random_columns

N = 400


def _config(mode: ServingMode, share: float = 0.0, champion: str = "1") -> ServingConfig:
    split = mode in (ServingMode.CANARY, ServingMode.AB)
    return ServingConfig(
        model_name="lead-scoring", champion_version=champion,
        challenger_version=None if mode is ServingMode.OFF else "2", mode=mode,
        treatment_share=share, experiment_id="exp-1" if split else None,
        salt="s1" if split else None, sequence=3, actor="test", updated_at=datetime.now(UTC))


@pytest.fixture(scope="module")
def models(tiny_model: ServingModel) -> tuple[ServingModel, ServingModel]:
    """The tiny champion (v1) and a challenger (v2) with other trees."""
    booster = xgb.Booster(model_file=bytearray(tiny_model.booster.save_raw("ubj")))
    booster = booster[:5]  # the first 5 rounds: different scores, same features
    challenger = dataclasses.replace(tiny_model, version="2", alias="challenger",
                                     booster=booster)
    return tiny_model, challenger


@pytest.fixture(scope="module")
def batch(tiny_model: ServingModel):
    columns = random_columns(N, seed=5)
    model = incoming_model(tiny_model.spec)
    leads = [model(lead_id=f"lead-{i}", **{k: v[i] for k, v in columns.items()})
             for i in range(N)]
    return leads, tiny_model.encoder.encode_leads(leads)


def test_without_config_the_champion_serves_every_lead(models, batch) -> None:
    champion, _ = models
    leads, encoded = batch
    served = serve(ServingPlan(champion), leads, encoded)
    assert np.allclose(served.scores, champion.predict(encoded.matrix))
    assert set(served.route.variants) == {Variant.CHAMPION}
    assert [r.role for r in served.runs] == [ModelRole.CHAMPION]
    assert served.shadow is None and set(served.versions()) == {"1"}


def test_ab_each_model_predicts_its_own_rows(models, batch) -> None:
    champion, challenger = models
    leads, encoded = batch
    config = _config(ServingMode.AB, 0.3)
    served = serve(ServingPlan(champion, challenger, config), leads, encoded)
    expected = route_batch(config, [lead.lead_id for lead in leads])
    assert served.route.variants == expected.variants
    t = expected.treatment
    assert 0.2 < t.mean() < 0.4
    assert np.allclose(served.scores[t], challenger.predict(encoded.matrix)[t])
    assert np.allclose(served.scores[~t], champion.predict(encoded.matrix)[~t])
    assert list(served.versions()[t]) == ["2"] * int(t.sum())
    assert set(served.aliases()[~t]) == {"champion"}
    champ_run, chall_run = served.runs
    assert champ_run.rows.size + chall_run.rows.size == N
    assert served.shadow is None


def test_shadow_serves_champion_and_scores_every_row_with_the_challenger(models, batch) -> None:
    champion, challenger = models
    leads, encoded = batch
    served = serve(ServingPlan(champion, challenger, _config(ServingMode.SHADOW)),
                   leads, encoded)
    assert np.allclose(served.scores, champion.predict(encoded.matrix))
    assert served.shadow is not None and served.shadow.rows.size == N
    assert np.allclose(served.shadow.scores, challenger.predict(encoded.matrix))
    assert not np.allclose(served.shadow.scores, served.scores)
    assert [r.role for r in served.runs] == [ModelRole.CHAMPION]


class _Broken:
    def inplace_predict(self, matrix):
        raise RuntimeError("boom")

    def num_features(self):
        return 0


def _broken(model: ServingModel) -> ServingModel:
    broken = dataclasses.replace(model)
    object.__setattr__(broken, "booster", _Broken())
    return broken


def test_a_failing_shadow_costs_only_the_comparisons(models, batch) -> None:
    champion, challenger = models
    leads, encoded = batch
    plan = ServingPlan(champion, _broken(challenger), _config(ServingMode.SHADOW))
    served = serve(plan, leads, encoded)
    assert served.shadow is None and "boom" in (served.shadow_error or "")
    assert np.allclose(served.scores, champion.predict(encoded.matrix))


def test_a_failing_treatment_model_fails_the_batch(models, batch) -> None:
    champion, challenger = models
    leads, encoded = batch
    plan = ServingPlan(champion, _broken(challenger), _config(ServingMode.CANARY, 0.5))
    with pytest.raises(ModelFailed) as info:
        serve(plan, leads, encoded)
    assert info.value.role is ModelRole.CHALLENGER


def test_a_plan_must_hold_the_versions_its_config_names(models) -> None:
    champion, challenger = models
    with pytest.raises(FatalError):
        ServingPlan(champion, None, _config(ServingMode.SHADOW))
    with pytest.raises(FatalError):
        ServingPlan(champion, challenger, _config(ServingMode.OFF, champion="9"))
    plan = ServingPlan(champion, challenger, _config(ServingMode.AB, 0.25))
    assert "v2 (ab 25%, experiment exp-1)" in plan.label
