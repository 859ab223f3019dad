"""``experiment start --policy``: the policy file is parsed and sent with the start request
(its steps are the canary's); a misuse or a bad file is refused before anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from schemas.control import ControlAction, ServingMode
from streams.cli import main

ENV = {"LEADSTREAM_CONTROL_SIGNING": "off", "COLUMNS": "120"}


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list:
    """What the CLI would hand the controller (the Kafka round trip is the integration
    tests' job); nothing is sent when the CLI refuses first."""
    requests: list = []

    def fake_ask(settings, action, actor, reason, **fields):
        requests.append((action, fields))

    monkeypatch.setattr("streams.cli.experiment.ask", fake_ask)
    return requests


def run(*args: str):
    return CliRunner().invoke(main, ["experiment", "start", *args], env=ENV)


def test_a_policy_travels_with_the_start_and_sets_the_steps(tmp_path: Path, sent: list):
    policy = tmp_path / "p.toml"
    policy.write_text("[canary]\nsteps = [5, 20, 60]\nmin_windows = 4\n"
                      "[verdict]\nmargin = 0.02\n")
    done = run("--mode", "canary", "--challenger", "2", "--policy", str(policy))
    assert done.exit_code == 0, done.output
    (action, fields), = sent
    assert action is ControlAction.START_EXPERIMENT and fields["mode"] == "canary"
    assert fields["canary_steps"] == (0.05, 0.2, 0.6)
    assert fields["policy"].min_windows == 4 and fields["policy"].margin == 0.02
    assert ServingMode(fields["mode"]) is ServingMode.CANARY


@pytest.mark.parametrize("extra", [("--mode", "ab"), ("--mode", "canary", "--steps", "5,50"),
                                   ("--mode", "canary", "--share", "0.1")])
def test_a_policy_goes_with_a_plain_canary_only(tmp_path: Path, sent: list, extra):
    policy = tmp_path / "p.toml"
    policy.write_text("")
    done = run("--challenger", "2", "--policy", str(policy), *extra)
    assert done.exit_code == 2 and "--policy goes with --mode canary" in done.output
    assert sent == []


def test_a_bad_policy_file_says_which_key(tmp_path: Path, sent: list):
    policy = tmp_path / "p.toml"
    policy.write_text("[canary]\nsteps = [50, 5]\n")
    done = run("--mode", "canary", "--challenger", "2", "--policy", str(policy))
    assert done.exit_code != 0 and "policy steps" in done.output and sent == []
