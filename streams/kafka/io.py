"""The scorer's Kafka boundary: client configs, message translation, error classes, encoding.

Only translation lives here: a consumed :class:`confluent_kafka.Message` becomes a
:class:`~scoring.intake.RawEvent`, a scored lead or dead letter becomes an
:class:`OutRecord` of bytes, and a librdkafka error becomes one of three decisions
(ignore, log-and-go-on, fatal; retry, abort or fatal inside a transaction).

What a produced record may weigh, and dead letters that always fit: :mod:`streams.kafka.sizes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from confluent_kafka import KafkaError, KafkaException, Message

from schemas.errors import FatalError
from scoring.intake import RawEvent
from streams.kafka.auth import ACL_TABLE, NotAuthorized, is_refusal
from streams.settings import Settings

MAX_RECORD_BYTES = 1_000_000
"""librdkafka's default ``message.max.bytes``: the producer refuses a larger record."""
TOO_LARGE = (KafkaError.MSG_SIZE_TOO_LARGE, KafkaError.RECORD_LIST_TOO_LARGE)


def consumer_config(settings: Settings) -> dict[str, str | int | bool]:
    """Consumer of ``leads.incoming``: manual offsets (committed by the transaction)."""
    return {
        **settings.kafka_config(),
        "group.id": settings.consumer_group,
        # Static membership: a scorer restarted after a crash takes its partitions back at
        # once instead of waiting for the dead member's session (45 s) to time out. A clean
        # stop leaves the group explicitly (the loop unsubscribes before closing), since a
        # static member's close alone does not.
        "group.instance.id": settings.transactional_id,
        # Members notice a rebalance on their next heartbeat: 1 s (default 3 s) bounds the
        # pause when a scorer joins or leaves.
        "heartbeat.interval.ms": 1000,
        "isolation.level": "read_committed",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "enable.partition.eof": False,
        # A bounded prefetch: librdkafka's default (64 MB) is held, in RSS, whenever the
        # process is slower than the broker (bench/README.md, "Scorer memory").
        "queued.max.messages.kbytes": settings.consumer_prefetch_kbytes,
    }


def producer_config(settings: Settings) -> dict[str, str | int | bool]:
    """Transactional, idempotent producer of the output topics."""
    return {
        **settings.kafka_config(),
        "transactional.id": settings.transactional_id,
        "enable.idempotence": True,
        "transaction.timeout.ms": settings.transaction_timeout_ms,
        "linger.ms": 0,
        "compression.type": "lz4",
        "retry.backoff.ms": settings.transaction_retry_backoff_ms,
    }


@dataclass(frozen=True)
class OutRecord:
    """One record to produce inside the batch transaction."""

    topic: str
    key: bytes | None
    value: bytes


class ConsumerErrorAction(Enum):
    IGNORE = "ignore"
    """Informational (end of partition): nothing to do."""
    LOG = "log"
    """Transient (broker down, topic not yet there): librdkafka recovers; say so."""
    FATAL = "fatal"
    """The consumer cannot go on."""


class TxnAction(Enum):
    RETRY = "retry"
    """Call the same transactional operation again."""
    ABORT = "abort"
    """Abort the transaction and process the batch again."""
    FATAL = "fatal"
    """Fenced or otherwise unrecoverable: stop the process."""


def classify_consumer_error(err: KafkaError) -> ConsumerErrorAction:
    if err.code() == KafkaError._PARTITION_EOF:
        return ConsumerErrorAction.IGNORE
    if err.fatal() or err.code() == KafkaError._FATAL or is_refusal(err):
        return ConsumerErrorAction.FATAL
    return ConsumerErrorAction.LOG


def classify_txn_error(exc: KafkaException) -> TxnAction:
    """What a failed ``send_offsets`` / ``commit`` / ``abort`` / ``init`` call asks of us."""
    err = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None
    if err is None or err.fatal() or err.code() in (KafkaError._FATAL, KafkaError._FENCED) \
            or is_refusal(err):
        return TxnAction.FATAL
    if err.code() in TOO_LARGE:
        # The same batch would be too large on every retry: the scorer keeps its records
        # under the producer's limit, so this is a broker or topic limit set lower.
        return TxnAction.FATAL
    if err.txn_requires_abort():
        return TxnAction.ABORT
    if err.retriable() or err.code() in (KafkaError._TIMED_OUT, KafkaError._TRANSPORT):
        return TxnAction.RETRY
    return TxnAction.ABORT


def consumer_failed(err: KafkaError) -> FatalError:
    """The error that stops a scorer whose consumer (or client) cannot go on."""
    if is_refusal(err):
        return NotAuthorized(f"Kafka refused the scorer's consumer ({err.name()}: {err.str()}); "
                             f"who may do what is in {ACL_TABLE}")
    return FatalError(f"the Kafka client failed: {err}; if it was fenced, another scorer "
                      "runs with the same transactional id (it is also the consumer's "
                      "group.instance.id)")


@dataclass(frozen=True)
class Consumed:
    """A consumed batch, translated: events in order, their keys, and the error messages."""

    events: list[RawEvent]
    keys: dict[tuple[int, int], bytes | None]
    errors: list[KafkaError]


def translate(messages: Sequence[Message]) -> Consumed:
    """Split what ``consume()`` returned into events (with keys) and consumer errors."""
    events: list[RawEvent] = []
    keys: dict[tuple[int, int], bytes | None] = {}
    errors: list[KafkaError] = []
    for msg in messages:
        err = msg.error()
        if err is not None:
            errors.append(err)
            continue
        ts_type, ts = msg.timestamp()
        event = RawEvent(msg.value(), msg.topic(), msg.partition(), msg.offset(),
                         ts if ts_type != 0 else None)
        events.append(event)
        keys[(event.partition, event.offset)] = msg.key()
    return Consumed(events, keys, errors)


def letter_payload_limit(setting: int, max_record_bytes: int) -> int:
    """How much of a rejected event a dead letter may keep: the setting, or less when the
    producer's record limit is lower (base64 is 4/3 of the bytes; 16 KiB for the rest)."""
    return max(0, min(setting, (max_record_bytes - 16 * 1024) * 3 // 4))
