"""``--actor`` is recorded with signing off and refused (not silently dropped) with it on."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from streams.cli.experiment import actor_option


@click.command()
@actor_option
def ask(actor: str) -> None:
    click.echo(f"actor={actor}")


def _run(*args: str, **env: str):
    return CliRunner().invoke(ask, list(args), env={"LEADSTREAM_CONTROL_SIGNING": "off", **env})


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
               max_size=40).filter(lambda s: not s.startswith("-")))
def test_with_signing_off_the_declared_actor_is_the_actor(name: str):
    done = _run("--actor", name)
    assert done.exit_code == 0 and done.output == f"actor={name}\n"


def test_with_signing_off_the_default_is_the_user(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("getpass.getuser", lambda: "carol")
    assert _run().output == "actor=carol\n"


def test_with_signing_on_a_declared_actor_is_refused_naming_the_signer(tmp_path):
    env = {"LEADSTREAM_CONTROL_SIGNING": "required",
           "LEADSTREAM_OPERATOR_KEY_PATH": str(tmp_path / "alice.key")}
    done = _run("--actor", "mallory", **env)
    assert done.exit_code == 2
    assert "'mallory' would be ignored" in done.output and "signer, 'alice'" in done.output
    named = _run("--actor", "mallory", LEADSTREAM_OPERATOR_KEY_NAME="al", **env)
    assert "signer, 'al'" in named.output
    assert _run(**env).output == "actor=alice\n"  # no --actor: the signer, as audited
