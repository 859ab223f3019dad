"""Per-record isolation of the agents' inputs, and timers that outlive their failures.

Every agent handles one record through :func:`guarded`: a record that cannot be decoded
(:func:`decode` raises :class:`Rejected`), or whose handling raises, is counted
(``leadstream_agent_deadletters_total{topic,reason}``), published on its topic's dead-letter
topic (:mod:`schemas.deadletters`) and skipped; the agent goes on with the next record.
Transient outages that must not skip a record (Redis for the outcome join) are retried
inside the handler, not here. Timers are wrapped by :func:`guarded_timer`: an error is a
skipped tick, counted (``leadstream_agent_timer_errors_total{timer,kind}``) and logged, never
a dead worker.

The whole record is input (:mod:`streams.agents.records`): a dead letter is keyed by the
first 1 KB of the record's key, holds the whole key's size and SHA-256, and fits the
producer (:func:`streams.kafka.sizes.letter_record`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import faust
import redis
from confluent_kafka import KafkaException
from pydantic import BaseModel, ValidationError

from schemas.deadletters import (
    DEADLETTER_TOPICS,
    MAX_KEPT_BYTES,
    RecordDeadLetter,
    RecordRejectReason,
    short,
)
from schemas.errors import LeadstreamError
from schemas.payload import key_b64, key_fields, payload_fields
from schemas.topics import TopicSpec
from streams.agents.metrics import metrics_for
from streams.agents.records import timestamp_ms
from streams.kafka.sizes import letter_record
from streams.kafka.topics import topic_name
from streams.settings import Settings

log = logging.getLogger(__name__)
RAW = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw",
       "value_serializer": "raw"}
M = TypeVar("M", bound=BaseModel)


class Rejected(Exception):
    """A record the agent cannot use (it goes to the dead-letter topic)."""

    def __init__(self, reason: RecordRejectReason, message: str):
        super().__init__(message)
        self.reason, self.message = reason, message


def decode(contract: type[M], raw: bytes | None) -> M:
    """``raw`` as ``contract``, or :class:`Rejected` (``invalid_json``/``schema_violation``)."""
    try:
        return contract.model_validate_json(raw or b"")
    except ValidationError as exc:
        bad_json = any(e["type"] == "json_invalid" for e in exc.errors())
        reason = (RecordRejectReason.INVALID_JSON if bad_json
                  else RecordRejectReason.SCHEMA_VIOLATION)
        raise Rejected(reason, validation_message(exc)) from exc


def validation_message(exc: ValidationError) -> str:
    """What failed where, without the input: pydantic's own ``str(exc)`` quotes each bad
    ``input_value`` (an erasure request's lead id, an outcome's lead), and an unknown
    field's name is input too, so neither enters a log line or a dead letter."""
    parts = []
    for e in exc.errors(include_input=False, include_url=False, include_context=False):
        loc = [str(p) for p in e["loc"]]
        if e["type"] == "extra_forbidden" and loc:
            loc[-1] = "<unknown field>"
        parts.append(f"{'.'.join(loc) or '<record>'}: {e['msg']} [{e['type']}]")
    return short(f"{exc.error_count()} validation error(s): " + "; ".join(parts))


def error_kind(exc: BaseException) -> str:
    """A short label of an error for metrics: redis, kafka, config, os or other."""
    if isinstance(exc, redis.RedisError):
        return "redis"
    if isinstance(exc, KafkaException) or type(exc).__module__.startswith(("aiokafka", "kafka")):
        return "kafka"
    if isinstance(exc, LeadstreamError | ValidationError):
        return "config"
    return "os" if isinstance(exc, OSError) else "other"


class DeadLetters:
    """The dead-letter topic of one agent input."""

    def __init__(self, app: faust.App, settings: Settings, source: TopicSpec, agent: str):
        spec = DEADLETTER_TOPICS[source.name]
        self.source_name = topic_name(settings, source)
        self.topic_name = topic_name(settings, spec)
        self.topic = app.topic(self.topic_name, **RAW)
        self.limit = settings.max_record_bytes
        self.agent = agent
        self.policy = settings.deadletter_payload
        self.metrics = metrics_for(app)

    def letter(self, reason: RecordRejectReason, message: str, key: bytes | None,
               value: bytes | None, where: tuple[str, int | None, int | None, int | None],
               error_class: str | None = None) -> RecordDeadLetter:
        """A dead letter of ``value``; ``where`` is (topic, partition, offset, timestamp)."""
        topic, partition, offset, ts_ms = where
        return RecordDeadLetter(
            reason=reason, message=short(message), error_class=error_class, agent=self.agent,
            source_topic=topic, source_partition=partition, source_offset=offset,
            source_timestamp_ms=ts_ms,
            key_b64=key_b64(key), **key_fields(key),
            **payload_fields(value or b"", MAX_KEPT_BYTES, self.policy),
            rejected_at=datetime.now(UTC))

    async def reject(self, event: Any, reason: RecordRejectReason, message: str,
                     error_class: str | None = None) -> RecordDeadLetter:
        """Dead-letter one consumed record (a faust event)."""
        msg = event.message
        where = (msg.topic, msg.partition, msg.offset, timestamp_ms(event))
        key = event.key if isinstance(event.key, bytes) else None
        value = event.value if isinstance(event.value, bytes) else None
        return await self.publish(self.letter(reason, message, key, value, where, error_class),
                                  key)

    async def publish(self, letter: RecordDeadLetter, key: bytes | None) -> RecordDeadLetter:
        """Count, log and publish one dead letter; a failed publication is counted too."""
        self.metrics.deadletters.labels(self.source_name, letter.reason.value).inc()
        log.error("%s skipped %s[%s]@%s (%s): %s", self.agent, letter.source_topic,
                  letter.source_partition, letter.source_offset, letter.reason.value,
                  letter.message)
        try:
            record = letter_record(self.topic_name, letter, key, self.limit)
            await self.topic.send(key=record.key, value=record.value)
        except Exception:  # counted and logged: a dead letter never stops the agent
            self.metrics.deadletter_failures.labels(self.source_name).inc()
            log.exception("dead letter of %s[%s]@%s not published", letter.source_topic,
                          letter.source_partition, letter.source_offset)
        return letter


async def guarded(dead: DeadLetters, event: Any, handle: Callable[[], Awaitable[object]],
                  on_reject: Callable[[RecordDeadLetter], Awaitable[None]] | None = None) -> bool:
    """Run ``handle`` for one record; on any error dead-letter the record and go on.

    Returns True if the record was handled. ``on_reject`` runs after the dead letter (e.g.
    the controller's alert); its own failure is logged, never raised."""
    try:
        await handle()
        return True
    except Rejected as exc:
        letter = await dead.reject(event, exc.reason, exc.message)
    except Exception as exc:  # one record's failure: dead-lettered, the agent goes on
        log.exception("%s failed on one record", dead.agent)
        letter = await dead.reject(event, RecordRejectReason.APPLY_FAILED,
                                   f"{type(exc).__name__}: {exc}", type(exc).__name__)
    if on_reject is not None:
        try:
            await on_reject(letter)
        except Exception:  # the dead letter is out; a failed follow-up is only logged
            log.exception("%s: follow-up of a dead letter failed", dead.agent)
    return False


F = TypeVar("F", bound=Callable[[], Awaitable[None]])


async def run_tick(app: faust.App, name: str, fn: Callable[[], Awaitable[object]]) -> bool:
    """Run one timer step; an error skips it (counted by kind, logged). True if it ran."""
    try:
        await fn()
        return True
    except Exception as exc:  # a skipped tick, never a dead worker
        metrics_for(app).timer_errors.labels(name, error_kind(exc)).inc()
        log.error("timer %s: tick skipped (%s: %s)", name, type(exc).__name__, exc)
        return False


def guarded_timer(app: faust.App, name: str) -> Callable[[F], F]:
    """Wrap a timer body with :func:`run_tick`: an error is a skipped tick."""
    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        async def tick() -> None:
            await run_tick(app, name, fn)
        return tick  # type: ignore[return-value]
    return wrap
