"""The consumers' bounded prefetch: ``LEADSTREAM_CONSUMER_PREFETCH_KBYTES`` reaches
librdkafka's ``queued.max.messages.kbytes``, and the setting accepts what librdkafka
accepts, no more."""

from __future__ import annotations

import pytest
from confluent_kafka import Consumer, KafkaException
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from streams.kafka.io import consumer_config
from streams.settings import Settings

LIBRDKAFKA_MAX_KB = 2_097_151
"""librdkafka's own upper bound of ``queued.max.messages.kbytes`` (CONFIGURATION.md)."""


def _consumer(conf: dict) -> None:
    """Build (and close) a real consumer from ``conf``: librdkafka checks each property."""
    Consumer({**conf, "bootstrap.servers": "127.0.0.1:1"}).close()


def test_the_default_bounds_the_prefetch_below_librdkafkas_64_mb(monkeypatch) -> None:
    monkeypatch.delenv("LEADSTREAM_CONSUMER_PREFETCH_KBYTES", raising=False)
    conf = consumer_config(Settings(_env_file=None))
    assert conf["queued.max.messages.kbytes"] == 4096
    _consumer(conf)


def test_the_environment_variable_reaches_the_consumer(monkeypatch) -> None:
    monkeypatch.setenv("LEADSTREAM_CONSUMER_PREFETCH_KBYTES", "2048")
    assert consumer_config(Settings(_env_file=None))["queued.max.messages.kbytes"] == 2048


@settings(max_examples=25, deadline=None)
@given(st.integers(1, LIBRDKAFKA_MAX_KB))
def test_every_accepted_value_is_one_librdkafka_accepts(kbytes: int) -> None:
    conf = consumer_config(Settings(_env_file=None, consumer_prefetch_kbytes=kbytes))
    assert conf["queued.max.messages.kbytes"] == kbytes
    _consumer(conf)


@pytest.mark.parametrize("kbytes", [0, -1, LIBRDKAFKA_MAX_KB + 1])
def test_a_value_librdkafka_refuses_is_refused_by_the_setting(kbytes: int) -> None:
    with pytest.raises(KafkaException):
        _consumer({"group.id": "g", "queued.max.messages.kbytes": kbytes})
    with pytest.raises(ValidationError):
        Settings(_env_file=None, consumer_prefetch_kbytes=kbytes)
