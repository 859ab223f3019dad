"""No configured secret appears in any CLI output: every command's ``--help``, ``config``,
``stack status``, and commands that fail on unreachable services (their errors and logs).

The secrets are set the way a user sets them (environment variables) and searched for
verbatim in everything the commands print, stdout and stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from streams.cli import main

ROOT = Path(__file__).resolve().parents[3]
SECRETS = {"sasl": "SaslPw-7f3a9c", "redis": "RedisPw-41be07", "mlflow": "MlToken-a6d2e8",
           "key": "KeyPw-0c55d1", "oauth": "OauthSecret-93fe2b"}


def secret_env(home: Path) -> dict[str, str]:
    return {
        "LEADSTREAM_HOME": str(home),
        "LEADSTREAM_BOOTSTRAP_SERVERS": "127.0.0.1:1",
        "LEADSTREAM_SECURITY_PROTOCOL": "SASL_SSL",
        "LEADSTREAM_SASL_MECHANISM": "SCRAM-SHA-512",
        "LEADSTREAM_SASL_USERNAME": "scorer",
        "LEADSTREAM_SASL_PASSWORD": SECRETS["sasl"],
        "LEADSTREAM_REDIS_URL": f"redis://leadstream:{SECRETS['redis']}@127.0.0.1:1/0",
        "MLFLOW_TRACKING_URI": f"https://ops:{SECRETS['mlflow']}@127.0.0.1:1",
        "LEADSTREAM_KAFKA_EXTRA": json.dumps({
            "ssl.key.password": SECRETS["key"],
            "sasl.oauthbearer.client.secret": SECRETS["oauth"]}),
    }


def leaked(text: str) -> list[str]:
    return [name for name, value in SECRETS.items() if value in text]


def command_paths(group: click.Group = main, prefix: tuple[str, ...] = ()) -> list[tuple]:
    ctx = click.Context(group)
    paths = [prefix]
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
        else:
            paths.append((*prefix, name))
    return paths


def test_every_help_text_is_free_of_secrets(tmp_path, monkeypatch):
    for key, value in secret_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    paths = command_paths()
    assert len(paths) > 20  # the walk found the command tree
    for path in paths:
        result = CliRunner().invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert leaked(result.output) == [], path


RUNS = [["config"], ["config", "--markdown"], ["stack", "status"], ["status"], ["diagnose"],
        ["models", "show"], ["models", "history"], ["lead", "L1"], ["lead", "L1", "--json"],
        ["forget", "L1", "--timeout", "3"], ["keys", "new", "ops", "--dir", "keys"]]


@pytest.mark.timeout(180)
def test_commands_print_and_log_no_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADSTREAM_", "MLFLOW_"))}
    env.update(secret_env(tmp_path), COLUMNS="250", PYTHONPATH=str(ROOT))
    procs = {tuple(args): subprocess.Popen([sys.executable, "-m", "streams.cli", *args],
                                           env=env, cwd=tmp_path, text=True,
                                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for args in RUNS}
    outputs = {args: proc.communicate(timeout=170)[0] for args, proc in procs.items()}
    assert "LEADSTREAM_SASL_PASSWORD" in outputs[("config",)]  # the commands really ran
    assert '"ssl.key.password": "***"' in outputs[("config",)]
    assert (tmp_path / "keys" / "ops.key").is_file()  # and made its key pair
    assert "https://ops:***@127.0.0.1:1" in outputs[("stack", "status")]
    for args, text in outputs.items():
        assert leaked(text) == [], (args, text[-2000:])
