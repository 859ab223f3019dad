"""The scorer's producer: its retry backoff comes from the settings (librdkafka's 100 ms
default made every transaction begun during the previous commit's markers wait 100 ms)."""

import pytest
from confluent_kafka import Producer
from pydantic import ValidationError

from streams.kafka.io import producer_config
from streams.settings import Settings


def test_the_retry_backoff_defaults_to_2_ms_not_librdkafkas_100():
    assert producer_config(Settings(_env_file=None))["retry.backoff.ms"] == 2


def test_the_retry_backoff_comes_from_its_env_var(monkeypatch):
    monkeypatch.setenv("LEADSTREAM_TRANSACTION_RETRY_BACKOFF_MS", "20")
    config = producer_config(Settings(_env_file=None))
    assert config["retry.backoff.ms"] == 20
    Producer({**config, "bootstrap.servers": "127.0.0.1:1"})  # librdkafka takes it


@pytest.mark.parametrize("value", ["0", "1001"])
def test_a_backoff_librdkafka_would_refuse_is_refused_with_the_field_named(monkeypatch, value):
    monkeypatch.setenv("LEADSTREAM_TRANSACTION_RETRY_BACKOFF_MS", value)
    with pytest.raises(ValidationError, match="transaction_retry_backoff_ms"):
        Settings(_env_file=None)
