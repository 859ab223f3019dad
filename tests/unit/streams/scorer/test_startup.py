"""A restarted scorer's first plan: the cached champion at once, MLflow confirms after."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from scoring.model import ServingModel
from scoring.serving import ServingPlan
from streams.scorer.serving import ServingControl
from streams.scorer.startup import LazyRegistry, confirm_champion
from streams.settings import Settings


@pytest.fixture
def registry(tmp_path: Path, tiny_model: ServingModel, monkeypatch: pytest.MonkeyPatch
             ) -> LazyRegistry:
    settings = Settings(_env_file=None, home=tmp_path, model_name=tiny_model.name)
    registry = LazyRegistry(settings)

    def no_mlflow():
        raise AssertionError("MLflow was asked at start")

    monkeypatch.setattr(registry, "get", no_mlflow)
    return registry


def _cache(registry: LazyRegistry, model: ServingModel, version: str) -> None:
    registry.cache.store(version, model.booster, model.spec, model.profile, None)


def test_the_cached_champion_and_cached_versions_load_without_mlflow(
        registry: LazyRegistry, tiny_model: ServingModel) -> None:
    assert registry.cached_champion() is None  # nothing cached: the caller asks MLflow
    _cache(registry, tiny_model, "3")
    registry.cache.remember_alias("champion", "3")
    champion = registry.cached_champion()
    assert champion is not None and (champion.version, champion.alias) == ("3", "champion")
    assert registry.load_version("3", "challenger").alias == "challenger"


def _threads(model: ServingModel) -> int:
    config = json.loads(model.booster.save_config())
    return int(config["learner"]["generic_param"]["nthread"])


def test_served_models_predict_on_the_configured_threads(
        tmp_path: Path, tiny_model: ServingModel) -> None:
    for threads in (1, 3):
        settings = Settings(_env_file=None, home=tmp_path / str(threads),
                            model_name=tiny_model.name, serving_threads=threads)
        registry = LazyRegistry(settings)
        _cache(registry, tiny_model, "3")
        registry.cache.remember_alias("champion", "3")
        assert _threads(registry.load_version("3")) == threads
        assert _threads(registry.cached_champion()) == threads


def _confirm(registry: LazyRegistry, served: ServingModel, answer) -> list[ServingPlan]:
    swapped: list[ServingPlan] = []
    registry.confirm_champion_elsewhere = answer  # type: ignore[method-assign]
    confirm_champion(registry, served, swapped.append).join(10)
    return swapped


def test_a_moved_alias_is_swapped_in_and_a_confirmed_one_is_kept(
        registry: LazyRegistry, tiny_model: ServingModel) -> None:
    served = dataclasses.replace(tiny_model, version="3", alias="champion")
    moved = dataclasses.replace(tiny_model, version="4", alias="champion")
    assert _confirm(registry, served, lambda: served) == []
    (plan,) = _confirm(registry, served, lambda: moved)
    assert plan.champion.version == "4"

    def down():
        raise OSError("MLflow down")

    assert _confirm(registry, served, down) == []


def test_a_serving_configuration_wins_over_the_alias_check(tiny_model: ServingModel) -> None:
    plan = ServingPlan(tiny_model)
    unconfigured = ServingControl()
    unconfigured.swap_unless_configured(plan)
    assert unconfigured.next_plan() is plan
    configured = ServingControl(configured=True)
    configured.swap_unless_configured(plan)
    assert configured.next_plan() is None
