"""Kafka's refusals stop our clients with one clear error instead of being retried."""

from __future__ import annotations

from confluent_kafka import KafkaError, KafkaException
from pydantic import SecretStr

from streams.kafka.auth import NotAuthorized, is_refusal, not_authorized
from streams.kafka.io import (
    ConsumerErrorAction,
    TxnAction,
    classify_consumer_error,
    classify_txn_error,
    consumer_failed,
)
from streams.settings import Settings

DENIED = KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED, "Topic authorization failed")


def test_refusals_are_fatal_for_the_consumer_and_the_transaction():
    assert is_refusal(DENIED) and not is_refusal(KafkaError(KafkaError._TRANSPORT))
    assert classify_consumer_error(DENIED) is ConsumerErrorAction.FATAL
    abortable = KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED, txn_requires_abort=True)
    assert classify_txn_error(KafkaException(abortable)) is TxnAction.FATAL
    assert classify_txn_error(KafkaException(KafkaError(KafkaError._TIMED_OUT,
                                                        retriable=True))) is TxnAction.RETRY
    error = consumer_failed(KafkaError(KafkaError.GROUP_AUTHORIZATION_FAILED))
    assert isinstance(error, NotAuthorized) and "GROUP_AUTHORIZATION_FAILED" in str(error)


def test_the_message_names_principal_and_operation_never_the_password():
    s = Settings(_env_file=None, security_protocol="SASL_SSL", sasl_username="crm",
                 sasl_password=SecretStr("pw-1234"))
    text = str(not_authorized(s, "writing models.control", DENIED))
    assert "User:crm" in text and "writing models.control" in text
    assert "TOPIC_AUTHORIZATION_FAILED" in text and "pw-1234" not in text
