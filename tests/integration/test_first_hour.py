"""A newcomer's first hour with a real MLflow store (sqlite, no Kafka needed): ``train``
without ``--alias`` into an empty registry makes the champion and says so; a later one
says how to promote it; a scorer with no champion names the command to run. The CLI runs
as a subprocess with stdout to a pipe: no line is wrapped or cut (the run id whole), and
stderr carries none of MLflow's INFO lines or prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from schemas.errors import ModelUnavailable
from streams.scorer.build import initial_plan
from streams.scorer.startup import LazyRegistry
from streams.settings import Settings
from tests.integration.helpers import registry

ROOT = Path(__file__).resolve().parents[2]


def _settings(home: Path) -> Settings:
    return Settings(_env_file=None, home=home, mlflow_tracking_uri=f"sqlite:///{home}/mlflow.db")


def leadstream(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LEADSTREAM_", "MLFLOW_")) and k != "COLUMNS"}
    env.update(LEADSTREAM_HOME=str(home), PYTHONPATH=str(ROOT),
               LEADSTREAM_MLFLOW_TRACKING_URI=f"sqlite:///{home}/mlflow.db")
    # stdout is a pipe, as in `leadstream train | tee train.log`
    return subprocess.run([sys.executable, "-m", "streams.cli", *args], env=env, cwd=home,
                          capture_output=True, text=True, timeout=300, check=False)


def test_first_train_makes_the_champion_and_prints_whole_lines(tmp_path: Path) -> None:
    first = leadstream(tmp_path, "train", "--rows", "1500")
    assert first.returncode == 0, first.stderr
    assert "registered lead-scoring v1 as @champion" in first.stdout
    assert "the registry had no champion: v1 is the champion now" in first.stdout
    run_line = next(line for line in first.stdout.splitlines() if line.startswith("MLflow: "))
    assert re.search(r" run [0-9a-f]{32}$", run_line), run_line  # the run id on its line, whole
    assert "Successfully registered" not in first.stderr and " INFO " not in first.stderr
    assert "Created version" not in first.stderr, first.stderr
    assert registry(_settings(tmp_path)).alias_version("champion") == "1"

    second = leadstream(tmp_path, "train", "--rows", "1500", "--seed", "1")
    assert second.returncode == 0, second.stderr
    assert "registered lead-scoring v2 (no alias set)" in second.stdout
    assert "`leadstream models promote 2`" in second.stdout
    assert registry(_settings(tmp_path)).alias_version("champion") == "1"  # not moved


def test_a_scorer_without_a_champion_names_the_command_to_run(tmp_path: Path) -> None:
    out = leadstream(tmp_path, "train", "--rows", "1500", "--alias", "challenger")
    assert out.returncode == 0, out.stderr
    assert "as @challenger" in out.stdout and "is the champion now" not in out.stdout
    with pytest.raises(ModelUnavailable) as caught:
        initial_plan(LazyRegistry(_settings(tmp_path)), None)
    message = str(caught.value)
    assert "has no lead-scoring@champion" in message
    assert "leadstream models promote N" in message and "train --alias champion" in message
