"""``home`` is resolved once, where the settings are read, and children get the absolute path."""

import os
from pathlib import Path

from confluent_kafka import KafkaError, KafkaException

from streams.kafka.transient import is_transient
from streams.settings import Settings
from streams.stack.children import settings_env


def test_a_relative_home_is_resolved_against_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEADSTREAM_HOME", raising=False)
    settings = Settings(_env_file=None)
    assert settings.home == tmp_path.resolve() / ".leadstream"
    assert settings.tracking_uri == f"sqlite:///{tmp_path.resolve()}/.leadstream/mlflow/mlflow.db"


def test_children_get_the_absolute_home_whatever_their_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADSTREAM_HOME", "state")
    env = settings_env(Settings(_env_file=None))
    assert env["LEADSTREAM_HOME"] == str(tmp_path.resolve() / "state")
    os.chdir("/")  # a child runs elsewhere (the demo's children: in the log folder)
    monkeypatch.setenv("LEADSTREAM_HOME", env["LEADSTREAM_HOME"])
    assert Settings(_env_file=None).home == tmp_path.resolve() / "state"


def test_home_expands_the_user_folder(monkeypatch):
    monkeypatch.setenv("HOME", "/home/someone")
    assert Settings(_env_file=None, home="~/ls").home == Path("/home/someone/ls")


def test_a_loading_coordinator_is_transient_a_bad_group_is_not():
    # librdkafka does not flag COORDINATOR_LOAD_IN_PROGRESS retriable on a fresh broker
    loading = KafkaError(KafkaError.COORDINATOR_LOAD_IN_PROGRESS)
    assert not loading.retriable()
    assert is_transient(KafkaException(loading))
    assert is_transient(KafkaException(KafkaError(KafkaError._TIMED_OUT)))
    assert not is_transient(KafkaException(KafkaError(KafkaError.GROUP_AUTHORIZATION_FAILED)))
    assert not is_transient(KafkaException(KafkaError(KafkaError._TIMED_OUT, fatal=True)))
    assert not is_transient(ValueError("not kafka"))


def test_other_paths_are_resolved_once_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=None, spec_path="specs/crm.toml",
                        monitor_guardrails_path="guardrails.toml")
    assert settings.spec_path == tmp_path.resolve() / "specs" / "crm.toml"
    assert settings.monitor_guardrails_path == tmp_path.resolve() / "guardrails.toml"
    assert Settings(_env_file=None).spec_path is None
