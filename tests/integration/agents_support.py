"""Support for the control-plane integration tests: the agents worker as a subprocess,
a small model registered several times, and a CLI runner that sees the test's settings."""

from __future__ import annotations

from datetime import datetime
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


def agents_group(settings: Settings) -> Settings:
    """``settings`` with the agents' consumer group (the faust app's id), for
    :meth:`~streams.stack.children.LeadstreamProcess.wait_consuming`."""
    return settings.model_copy(update={"consumer_group": f"{settings.consumer_group}-agents"})


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


def rejoin_wait_s(log: Path) -> float:
    """Seconds the worker logging to ``log`` waited from its first "(Re-)joining group" to
    "Joined group": after a SIGKILL, the group holds the dead member's partitions until its
    session times out (``agents_session_timeout_s``)."""
    stamps = {}
    for line in log.read_text(errors="replace").splitlines():
        for mark in ("(Re-)joining group", "Joined group"):
            if mark in line and mark not in stamps:
                stamps[mark] = datetime.strptime(line[1:24], "%Y-%m-%d %H:%M:%S,%f")
    return (stamps["Joined group"] - stamps["(Re-)joining group"]).total_seconds()
