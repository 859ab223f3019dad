"""Kafka's refusals (authentication, authorization) turned into one clear, fatal error.

A refused client cannot recover by retrying: the fix is a credential or an ACL. So every
client of ours (producers, readers, the scorer's consumer) raises :class:`NotAuthorized`,
naming the principal, what was refused and Kafka's own error text, never a password.
"""

from __future__ import annotations

from confluent_kafka import KafkaError

from schemas.errors import FatalError
from streams.settings import Settings

REFUSALS = frozenset({
    KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.GROUP_AUTHORIZATION_FAILED,
    KafkaError.CLUSTER_AUTHORIZATION_FAILED, KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    KafkaError.SASL_AUTHENTICATION_FAILED, KafkaError._AUTHENTICATION,
})
ACL_TABLE = "streams/stack/acls.toml"


class NotAuthorized(FatalError):
    """Kafka refused this principal (bad credentials, or no ACL allows the operation)."""


def is_refusal(err: KafkaError | None) -> bool:
    return err is not None and err.code() in REFUSALS


def principal(settings: Settings) -> str:
    if settings.sasl_username:
        return f"User:{settings.sasl_username}"
    return f"the unauthenticated client ({settings.security_protocol})"


def not_authorized(settings: Settings, what: str, err: KafkaError | str) -> NotAuthorized:
    """The error for a refusal of ``what`` (e.g. "writing models.control")."""
    text = f"{err.name()}: {err.str()}" if isinstance(err, KafkaError) else err
    return NotAuthorized(f"Kafka refused {what} for {principal(settings)} ({text}); "
                         f"who may do what is in {ACL_TABLE}")
