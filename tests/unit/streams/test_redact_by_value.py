"""Redaction is by value: no configured secret is ever shown, and no setting is hidden only
because its name holds "key" (``LEADSTREAM_OPERATOR_KEY_NAME`` names an operator)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr

from streams.cli import main
from streams.cli.config import config_doc
from streams.control.keys import new_key_pair
from streams.kafka.auth import not_authorized
from streams.redact import redact_text, secret_values
from streams.settings import Settings
from tests.strategies.secrets import configured


def _settings(secrets: dict[str, str], names: dict[str, str], key_file: Path) -> Settings:
    return Settings(
        _env_file=None, sasl_password=SecretStr(secrets["sasl"]),
        sasl_username=names["sasl_username"], operator_key_name=names["operator_key_name"],
        operator_key_path=key_file, control_signing="required",
        redis_url=f"redis://{names['sasl_username']}:{secrets['redis']}@127.0.0.1:6379/0",
        mlflow_tracking_uri=f"https://ops:{secrets['mlflow']}@mlflow.example",
        sink_token=SecretStr(secrets["sink_token"]),
        sink_url=f"https://crm.example/hooks/scores?api_key={secrets['query']}&format=json",
        kafka_extra={"ssl.key.password": secrets["kafka_extra"], "client.rack": "rack-a"})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configured())
def test_no_configured_secret_is_shown_and_every_name_is(tmp_path_factory, drawn):
    secrets, names = drawn
    folder = tmp_path_factory.mktemp("keys")
    key = new_key_pair(folder, "op").private_path
    s = _settings(secrets, names, key)
    private = [line for line in key.read_text().splitlines() if not line.startswith("-----")]
    found = secret_values(s)
    assert set(secrets.values()) | set(private) <= found
    assert not set(names.values()) & found

    shown = json.dumps([row["value"] for row in config_doc(s)])  # the values in force
    refusal = redact_text(str(not_authorized(s, "writing models.control", "refused")), found)
    message = redact_text(f"signed as {names['operator_key_name']!r} with {key.read_text()} "
                          f"to {s.sink_url} on {s.redis_url} ({secrets['sasl']})", found)
    for text in (shown, refusal, message):
        assert [k for k, v in secrets.items() if v in text] == []
        assert not [p for p in private if p in text]
    assert f"User:{names['sasl_username']}" in refusal
    assert f"signed as {names['operator_key_name']!r}" in message
    doc = {row["field"]: row["value"] for row in config_doc(s)}
    assert doc["operator_key_name"] == names["operator_key_name"]
    assert doc["sasl_username"] == names["sasl_username"]
    assert doc["operator_key_path"] == str(key)


def test_config_shows_the_operator_key_name(tmp_path: Path):
    env = {"LEADSTREAM_HOME": str(tmp_path), "LEADSTREAM_OPERATOR_KEY_NAME": "operator",
           "LEADSTREAM_SASL_USERNAME": "operator", "LEADSTREAM_SASL_PASSWORD": "pw-0123456789"}
    done = CliRunner().invoke(main, ["config", "--json"], env=env)
    doc = {row["field"]: row["value"] for row in json.loads(done.output)}
    assert doc["operator_key_name"] == "operator" and doc["sasl_username"] == "operator"
    assert doc["sasl_password"] == "***" and "pw-0123456789" not in done.output
