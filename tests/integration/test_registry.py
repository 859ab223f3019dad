"""The MLflow registry adapter against a real sqlite MLflow store, and its disk-cache fallback."""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path

import numpy as np
import pytest

from monitors.binning import build_reference_profile
from schemas.errors import ModelUnavailable
from schemas.spec import load_spec
from scoring.model_cache import ModelCache
from scoring.registry import ModelRegistry
from scoring.synthetic import SyntheticCRM
from scoring.training import TrainConfig, TrainedModel, train_model
from streams.scorer import champion_probe
from tests.integration.helpers import TIMING_MARGIN

MODEL = "lead-scoring-test"
FALLBACK_TARGET_S = 10.0
"""Longest an unreachable MLflow may delay a load; asserted with ``TIMING_MARGIN``."""


def _train(seed: int) -> TrainedModel:
    return train_model(SyntheticCRM(seed).leads(2000), load_spec(), TrainConfig(seed=seed))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mlflow")


@pytest.fixture(scope="module")
def registry(store) -> ModelRegistry:
    return ModelRegistry(f"sqlite:///{store / 'mlflow.db'}", MODEL, store / "cache",
                         store / "artifacts", experiment_name="registry-test")


@pytest.fixture(scope="module")
def first(registry) -> tuple[str, TrainedModel]:
    trained = _train(1)
    profile = build_reference_profile(trained.holdout_columns, trained.holdout_scores,
                                      trained.spec)
    return registry.register(trained, profile, alias="champion", tags={"who": "test"}), trained


def test_register_then_load_by_alias_predicts_like_the_trained_booster(store, registry, first):
    version, trained = first
    fresh = ModelRegistry(registry.tracking_uri, MODEL, store / "fresh-cache")  # downloads
    model = fresh.load("champion")
    assert (model.version, model.alias) == (version, "champion")
    assert model.spec == trained.spec and model.profile is not None
    matrix = model.encoder.encode_columns(trained.holdout_columns).matrix
    np.testing.assert_array_equal(model.predict(matrix), trained.booster.inplace_predict(matrix))
    cached = store / "fresh-cache" / MODEL / version
    assert {p.name for p in cached.iterdir()} == {
        "model.ubj", "spec.json", "profile.json", "manifest.json"}
    assert (store / "artifacts").is_dir()
    info = registry.versions()[0]
    assert info.version == version and info.aliases == ("champion",)
    assert info.tags["data_hash"] == trained.data_hash and info.tags["who"] == "test"


def test_alias_moves(registry, first):
    version1, _ = first
    version2 = registry.register(_train(2), None, alias="challenger")
    assert registry.alias_version("challenger") == version2 != version1
    registry.set_alias("champion", version2)
    assert registry.load("champion").version == version2
    registry.set_alias("champion", version1)
    assert registry.load("champion").version == version1
    assert registry.load_version(version2).profile is None
    assert registry.alias_version("nobody") is None
    with pytest.raises(ModelUnavailable, match="nobody"):
        registry.load("nobody")


def test_falls_back_to_the_cache_when_mlflow_is_unreachable(store, registry, first, caplog):
    version, trained = first
    registry.load("champion")  # the cache now knows champion -> version
    dead = ModelRegistry(f"http://127.0.0.1:{_closed_port()}", MODEL, store / "cache")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="scoring.registry"):
        model = dead.load("champion")
    _within_target(time.monotonic() - started, "cache fallback")
    assert model.version == version and model.spec == trained.spec
    assert "unreachable" in caplog.text and "from the cache" in caplog.text


def test_model_unavailable_with_an_empty_cache(tmp_path):
    dead = ModelRegistry(f"http://127.0.0.1:{_closed_port()}", MODEL, tmp_path / "empty")
    started = time.monotonic()
    with pytest.raises(ModelUnavailable, match="champion"):
        dead.load("champion")
    _within_target(time.monotonic() - started, "empty cache: unavailable")


def _within_target(seconds: float, what: str) -> None:
    print(f"\n{what} with MLflow unreachable: {seconds:.2f} s (target {FALLBACK_TARGET_S:.0f} s, "
          f"asserted < {TIMING_MARGIN * FALLBACK_TARGET_S:.0f} s)")
    assert seconds < TIMING_MARGIN * FALLBACK_TARGET_S


def test_the_champion_probe_answers_from_a_child_and_caches_the_version(store, registry, first):
    """The scorer's MLflow-free confirmation (:mod:`streams.scorer.champion_probe`): the
    child resolves the alias, leaves the version in the given cache, and reports refusals."""
    version, trained = first
    registry.set_alias("champion", version)
    cache = store / "probe-cache"
    assert champion_probe.ask(registry.tracking_uri, MODEL, cache, store / "artifacts",
                              "champion") == version
    model = ModelCache(cache, MODEL).load(version, "champion")  # no MLflow needed now
    matrix = model.encoder.encode_columns(trained.holdout_columns).matrix
    np.testing.assert_array_equal(model.predict(matrix), trained.booster.inplace_predict(matrix))
    with pytest.raises(ModelUnavailable, match="nobody"):
        champion_probe.ask(registry.tracking_uri, MODEL, cache, None, "nobody")
    dead = f"http://127.0.0.1:{_closed_port()}"  # unreachable: the cache's alias, as load()
    assert champion_probe.ask(dead, MODEL, store / "cache", None, "champion") == version
