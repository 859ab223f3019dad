"""The shadow-mode variant of the throughput bench (issue 3: the throughput cost of shadow).

A challenger is trained on other synthetic leads (another seed) and registered as a second
version of the bench's model; a serving configuration in shadow mode is written to
``models.control`` as the controller would write it. The scorer then drains the same
backlog with the challenger scoring every lead unpublished and one ``scores.shadow``
comparison per lead in the batch's transaction. It runs after the latency phase, so that
phase still measures the champion alone.
"""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.control import ServingConfig, ServingMode
from streams.kafka.reader import produce_one
from streams.settings import Settings


def train_version(settings: Settings, seed: int, rows: int, alias: str | None) -> str:
    """Train on ``rows`` synthetic leads and register a new version; returns it."""
    from schemas.spec import load_spec
    from scoring.registry import ModelRegistry
    from scoring.synthetic import SyntheticCRM
    from scoring.training import TrainConfig, train_model

    trained = train_model(SyntheticCRM(seed).leads(rows), load_spec(), TrainConfig(seed=seed))
    registry = ModelRegistry(settings.tracking_uri, settings.model_name,
                             settings.model_cache_dir, settings.artifact_root)
    return registry.register(trained, None, alias=alias)


def start_shadow(settings: Settings, champion: str, challenger: str) -> ServingConfig:
    """Serve ``champion`` with ``challenger`` in shadow, from the next scorer start on."""
    config = ServingConfig(
        model_name=settings.model_name, champion_version=champion,
        challenger_version=challenger, mode=ServingMode.SHADOW, sequence=1, actor="bench",
        reason="throughput cost of shadow mode", updated_at=datetime.now(UTC))
    produce_one(settings, settings.topic_models_control, settings.model_name,
                config.model_dump_json().encode())
    return config
