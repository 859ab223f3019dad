import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from streams.cli.config import config, rows
from streams.settings import Settings


def test_every_setting_is_documented():
    undocumented = [n for n, f in Settings.model_fields.items() if not f.description]
    assert undocumented == []


def test_settings_come_from_prefixed_env_vars(monkeypatch):
    monkeypatch.setenv("LEADSTREAM_BATCH_SIZE", "250")
    monkeypatch.setenv("LEADSTREAM_KAFKA_EXTRA", '{"client.rack": "a"}')
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow.example:5000")
    s = Settings()
    assert s.batch_size == 250
    assert s.kafka_config()["client.rack"] == "a"
    assert s.tracking_uri == "http://mlflow.example:5000"


def test_bad_values_are_refused_with_the_field_named(monkeypatch):
    monkeypatch.setenv("LEADSTREAM_BATCH_SIZE", "0")
    with pytest.raises(ValidationError, match="batch_size"):
        Settings()


def test_sasl_settings_pass_through_to_librdkafka():
    s = Settings(security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
                 sasl_username="u", sasl_password="p")
    conf = s.kafka_config()
    assert conf["security.protocol"] == "SASL_SSL"
    assert (conf["sasl.mechanism"], conf["sasl.username"]) == ("SCRAM-SHA-512", "u")


def test_config_command_lists_every_variable_and_hides_passwords(monkeypatch):
    monkeypatch.setenv("LEADSTREAM_SASL_PASSWORD", "hunter2")
    assert len(rows(Settings())) == len(Settings.model_fields)
    out = CliRunner().invoke(config, ["--markdown"]).output
    assert "LEADSTREAM_BATCH_SIZE" in out and "hunter2" not in out
    assert "hunter2" not in CliRunner(env={"COLUMNS": "300"}).invoke(config).output


def test_children_get_secrets_in_clear_not_masked() -> None:
    from streams.settings import Settings
    from streams.stack.children import settings_env

    env = settings_env(Settings(_env_file=None, sink_token="tok-xyz"))
    assert env["LEADSTREAM_SINK_TOKEN"] == "tok-xyz"
