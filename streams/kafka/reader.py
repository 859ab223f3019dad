"""Small, assign-only Kafka readers for the CLI and the control plane (no consumer group).

:class:`TopicReader` reads every partition of a topic from chosen offsets; ``to_end``
returns what is there now, ``poll`` what arrived since. Errors are raised, never dropped.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)

from schemas.errors import RetryableError
from streams.kafka.auth import is_refusal, not_authorized
from streams.kafka.client_log import client_log
from streams.kafka.sizes import check_record
from streams.settings import Settings


@dataclass(frozen=True)
class Record:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...] = ()


class TopicReader:
    def __init__(self, settings: Settings, topic: str, from_end: bool = False,
                 timeout_s: float = 10.0):
        self.topic = topic
        self._timeout_s = timeout_s
        self._consumer = Consumer({
            **settings.kafka_config(), "group.id": f"leadstream-reader-{uuid.uuid4().hex}",
            "enable.auto.commit": False, "isolation.level": "read_committed",
            "enable.partition.eof": False, **client_log()})
        self._settings = settings
        try:
            meta = self._consumer.list_topics(topic, timeout=timeout_s).topics[topic]
            if is_refusal(meta.error):
                raise not_authorized(settings, f"reading {topic}", meta.error)
            if meta.error is not None:
                raise KafkaException(meta.error)
        except BaseException:
            self._consumer.close()  # a reader that failed to open leaves no client behind
            raise
        self._partitions = sorted(meta.partitions)
        start = self.end_offsets() if from_end else dict.fromkeys(self._partitions,
                                                                  OFFSET_BEGINNING)
        self._consumer.assign([TopicPartition(topic, p, o) for p, o in start.items()])

    def end_offsets(self) -> dict[int, int]:
        return {p: self._consumer.get_watermark_offsets(
            TopicPartition(self.topic, p), timeout=self._timeout_s)[1] for p in self._partitions}

    def poll(self, timeout_s: float = 0.0, max_records: int = 1000) -> list[Record]:
        out = []
        for msg in self._consumer.consume(max_records, timeout_s):
            if is_refusal(msg.error()):
                raise not_authorized(self._settings, f"reading {self.topic}", msg.error())
            if msg.error() is not None:
                raise KafkaException(msg.error())
            out.append(Record(msg.partition(), msg.offset(), msg.key(), msg.value(),
                              tuple(msg.headers() or ())))
        return out

    def reached(self, ends: dict[int, int]) -> bool:
        """True once every partition's position is at or past ``ends`` (end offsets taken
        earlier with :meth:`end_offsets`)."""
        return all(self._position(p) >= end for p, end in ends.items() if end > 0)

    def to_end(self) -> Iterator[Record]:
        """Every record up to the end offsets as of now (then stops)."""
        ends = self.end_offsets()
        deadline = time.monotonic() + self._timeout_s * 6
        while not self.reached(ends):
            if time.monotonic() > deadline:
                raise RetryableError(f"reading {self.topic} did not reach its end")
            yield from self.poll(0.2)

    def _position(self, partition: int) -> int:
        pos = self._consumer.position([TopicPartition(self.topic, partition)])[0].offset
        return pos if pos >= 0 else 0

    def close(self) -> None:
        self._consumer.close()

    def __enter__(self) -> TopicReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_writable(settings: Settings, topic: str, timeout_s: float = 10.0) -> None:
    """Raise :class:`~streams.kafka.auth.NotAuthorized` ("writing ``topic``") when this
    principal may not even see ``topic`` (a write grant includes DESCRIBE): a command that
    writes after it reads names the write it was refused, not the read."""
    producer = Producer({**settings.kafka_config(), "allow.auto.create.topics": False})
    meta = producer.list_topics(topic, timeout=timeout_s).topics[topic]
    if is_refusal(meta.error):
        raise not_authorized(settings, f"writing {topic}", meta.error)


def produce_one(settings: Settings, topic: str, key: str, value: bytes,
                timeout_s: float = 10.0,
                headers: list[tuple[str, bytes]] | None = None) -> None:
    """Produce one record and wait for its acknowledgement (raises on failure; a refusal,
    the fatal one of an idempotent producer included, is :class:`NotAuthorized`; a record
    over ``max_record_bytes`` is :class:`~streams.kafka.sizes.RecordTooLarge`, before any
    connection)."""
    check_record(topic, key.encode(), value, settings.max_record_bytes, headers)
    client_errors: list[KafkaError] = []
    producer = Producer({**settings.kafka_config(), "enable.idempotence": True,
                         "error_cb": client_errors.append, **client_log()})
    errors: list[KafkaError] = []
    try:
        producer.produce(topic, value, key.encode(), headers=headers or None,
                         on_delivery=lambda err, _msg: errors.append(err) if err else None)
        left = producer.flush(timeout_s)
    except (KafkaException, SystemError) as exc:
        # a principal without any WRITE grant is refused the idempotent producer id
        # (CLUSTER_AUTHORIZATION_FAILED, fatal): confluent-kafka raises it from a callback
        err = _kafka_error(exc) or next((e for e in client_errors if is_refusal(e)), None)
        del producer  # a refused producer must not outlive the error (it would reconnect)
        if is_refusal(err):
            raise not_authorized(settings, f"writing {topic}", err) from None
        raise RetryableError(f"producing to {topic} failed: {err or exc}") from exc
    if left != 0:
        refused = next((e for e in client_errors if is_refusal(e)), None)
        if refused is not None:
            raise not_authorized(settings, f"connecting to write {topic}", refused)
        last = f" (last client error: {client_errors[-1].str()})" if client_errors else ""
        raise RetryableError(f"producing to {topic} did not finish in {timeout_s}s{last}")
    if errors and is_refusal(errors[0]):
        raise not_authorized(settings, f"writing {topic}", errors[0])
    if errors:
        raise RetryableError(f"producing to {topic} failed: {errors[0]}")


def _kafka_error(exc: BaseException | None) -> KafkaError | None:
    """The KafkaError behind ``exc`` (itself, or what it was raised from)."""
    while exc is not None:
        if isinstance(exc, KafkaException) and exc.args and isinstance(exc.args[0], KafkaError):
            return exc.args[0]
        exc = exc.__cause__ or exc.__context__
    return None
