"""Support for the control-plane integration tests: the agents worker as a subprocess,
a small model registered several times, and a CLI runner that sees the test's settings."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from scoring.training import TrainedModel
from streams.cli import main
from streams.settings import Settings
from streams.stack.children import LeadstreamProcess, settings_env
from tests.integration.helpers import registry, train_champion


class AgentsProcess(LeadstreamProcess):
    """``leadstream agents`` (controller, outcomes, reports, monitors) with its own log."""

    def __init__(self, settings: Settings, log: Path, **env: object):
        super().__init__(["agents", "--loglevel", "INFO"], settings, log, **env)


def registered_models(settings: Settings, count: int) -> dict[str, TrainedModel]:
    """Register one small model ``count`` times; version → model; version 1 is the champion."""
    trained = train_champion(settings)
    more = [registry(settings).register(trained, None) for _ in range(count - 1)]
    return {version: trained for version in ["1", *more]}


def registered_versions(settings: Settings, count: int) -> list[str]:
    """Register one small model ``count`` times; version 1 is the champion."""
    return list(registered_models(settings, count))


def run_cli(settings: Settings, *args: str) -> Result:
    env = {k: v for k, v in settings_env(settings).items() if k.startswith("LEADSTREAM_")}
    env["COLUMNS"] = "250"
    result = CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)
    return result
