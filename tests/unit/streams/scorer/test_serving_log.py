"""The scorer's log line for an arriving serving configuration names the versions it
serves: no "challenger vNone" when there is no challenger."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from schemas.control import ServingConfig, ServingMode
from streams.scorer.plans import versions
from streams.scorer.serving import ServingControl


class Feed:
    def __init__(self, config: ServingConfig):
        self.config = config

    def poll(self) -> ServingConfig | None:
        config, self.config = self.config, None
        return config


class Loader:
    def want(self, config: ServingConfig) -> None:
        self.wanted = config

    def ready(self) -> None:
        return None


def config(challenger: str | None) -> ServingConfig:
    extra = ({"mode": ServingMode.CANARY, "treatment_share": 0.1, "experiment_id": "e",
              "salt": "s"} if challenger else {})
    return ServingConfig(model_name="lead-scoring", champion_version="2",
                         challenger_version=challenger, sequence=5, actor="alice",
                         updated_at=datetime.now(UTC), reason="promote", **extra)


def test_versions_without_and_with_a_challenger() -> None:
    assert versions(config(None)) == "champion v2"
    assert versions(config("3")) == "champion v2, challenger v3 (canary)"


def test_the_arrival_line_has_no_none(caplog) -> None:
    caplog.set_level(logging.INFO, logger="streams.scorer.serving")
    ServingControl(Feed(config(None)), Loader()).next_plan()  # type: ignore[arg-type]
    line = caplog.records[-1].getMessage()
    assert "champion v2" in line and "None" not in line
