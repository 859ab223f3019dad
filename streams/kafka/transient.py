"""Which Kafka errors are the world being briefly wrong (a broker still starting), not a bug.

librdkafka flags few errors ``retriable()``: a freshly formatted broker answers admin calls
with ``COORDINATOR_LOAD_IN_PROGRESS`` (not flagged) while it loads ``__consumer_offsets``.
Callers that poll with a deadline treat these as "not yet" and ask again.
"""

from __future__ import annotations

from confluent_kafka import KafkaError, KafkaException

TRANSIENT_CODES = frozenset({
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
    KafkaError.NOT_COORDINATOR,
    KafkaError.REBALANCE_IN_PROGRESS,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.NOT_CONTROLLER,
    KafkaError.REQUEST_TIMED_OUT,
    KafkaError._TIMED_OUT,
    KafkaError._TRANSPORT,
    KafkaError._ALL_BROKERS_DOWN,
    KafkaError._WAIT_COORD,
})


def is_transient(exc: BaseException) -> bool:
    """True for a :class:`KafkaException` that asking again later may well cure."""
    if not isinstance(exc, KafkaException) or not exc.args:
        return False
    err = exc.args[0]
    if not isinstance(err, KafkaError) or err.fatal():
        return False
    return err.retriable() or err.code() in TRANSIENT_CODES
