"""Support for the control-plane integration tests: the agents worker as a subprocess,
a small model registered several times, and a CLI runner that sees the test's settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from scoring.registry import ModelRegistry
from streams.cli import main
from streams.settings import Settings
from tests.integration.helpers import REPO, settings_env, train_champion

AGENTS = "from streams.cli import main; main(['agents', '--loglevel', 'INFO'])"


class AgentsProcess:
    """``leadstream agents`` (controller, outcomes, reports) with its own log file."""

    def __init__(self, settings: Settings, log: Path, **env: object):
        self.log = log
        self._out = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", AGENTS], cwd=log.parent,
            env={**settings_env(settings, **env), "PYTHONPATH": str(REPO)},
            stdout=self._out, stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def __enter__(self) -> AgentsProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._out.close()


def registered_versions(settings: Settings, count: int) -> list[str]:
    """Register one small model ``count`` times; version 1 is the champion."""
    trained = train_champion(settings)
    registry = ModelRegistry(settings.tracking_uri, settings.model_name,
                             settings.model_cache_dir, settings.artifact_root)
    return ["1", *[registry.register(trained, None) for _ in range(count - 1)]]


def run_cli(settings: Settings, *args: str) -> Result:
    env = {k: v for k, v in settings_env(settings).items() if k.startswith("LEADSTREAM_")}
    env["COLUMNS"] = "250"
    result = CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)
    return result
