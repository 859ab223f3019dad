"""Read-only looks at topics for ``diagnose``: the recent records (throw-away
``leadstream-tail-`` readers, never committed), the feature importance in the recent
reasons on ``leads.scored``, the newest record's time and how far a
consumer group is behind (from offsets alone, as the stack's admin, like ``stack status``:
no lead is read). A refusal or a missing topic raises :class:`Unreadable`.
"""

from __future__ import annotations

import json

import click
from confluent_kafka import (
    Consumer,
    ConsumerGroupTopicPartitions,
    KafkaError,
    KafkaException,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, OffsetSpec

from monitors.importance import mean_abs_from_reasons
from streams.cli.tail import open_consumer
from streams.kafka.client_log import client_log
from streams.settings import Settings
from streams.stack.kafka import admin_config


class Unreadable(Exception):
    """A source diagnose could not read (the message says which and why)."""


def recent(settings: Settings, topic: str, last: int, since_ms: int = 0
           ) -> list[tuple[int, bytes | None, dict]]:
    """``(timestamp ms, key, value)`` of the last ``last`` records per partition at or after
    ``since_ms``, up to each partition's end when the look began (records arriving while it
    reads are not waited for: on a busy topic the read still ends); values that are not
    JSON objects are left out."""
    try:
        consumer = open_consumer(settings, topic, False, last)
        marks = {tp.partition: consumer.get_watermark_offsets(tp, timeout=10)
                 for tp in consumer.assignment()}
        ends = {p: high for p, (low, high) in marks.items() if high > low}
    except (click.ClickException, KafkaException) as exc:
        raise Unreadable(f"{topic}: {exc}") from exc
    out: list[tuple[int, bytes | None, dict]] = []
    try:
        while ends and (msgs := consumer.consume(1000, 1.0)):
            for m in msgs:
                if m.error() is not None:
                    _check(topic, m.error())
                    continue
                if m.offset() >= ends.get(m.partition(), -1):  # past where the look began
                    _finish(consumer, ends, [TopicPartition(topic, m.partition())])
                    continue
                ts = m.timestamp()[1]
                if ts >= since_ms and m.value():
                    value = _json(m.value())
                    if isinstance(value, dict):
                        out.append((ts, m.key(), value))
            _finish(consumer, ends, [tp for tp in consumer.position(
                [TopicPartition(topic, p) for p in ends]) if tp.offset >= ends[tp.partition]])
    finally:
        consumer.close()
    return out


def _finish(consumer: Consumer, ends: dict[int, int], done: list[TopicPartition]) -> None:
    """Forget and pause the partitions read up to where the look began."""
    done = [tp for tp in done if ends.pop(tp.partition, None) is not None]
    if done:
        consumer.pause(done)


def scored_importance(settings: Settings, topic: str, model: str, version: str, last: int,
                      since_ms: int) -> tuple[dict[str, float], int]:
    """Mean |weight| per feature in the reasons of ``model`` ``version``'s recent scored
    leads on ``topic`` (``leads.scored``, read as the stack's admin; only the reasons'
    features and weights are kept), and over how many leads with reasons."""
    leads = ([(r["feature"], r["weight"]) for r in v.get("reasons") or []
              if isinstance(r, dict) and "feature" in r and "weight" in r]
             for _, _, v in recent(settings, topic, last, since_ms)
             if v.get("model_name") == model and str(v.get("model_version")) == version)
    return mean_abs_from_reasons(leads)


def newest_ms(settings: Settings, topic: str, timeout_s: float = 5.0) -> int | None:
    """The largest record timestamp on ``topic`` (None: the topic is empty), from the
    broker's offset index (``ListOffsets`` max-timestamp): no record is read."""
    admin = AdminClient({**admin_config(settings), **client_log()})
    try:
        meta = admin.list_topics(topic, timeout=timeout_s).topics[topic]
        if meta.error is not None:
            raise Unreadable(f"{topic}: {meta.error.str()}")
        asked = {TopicPartition(topic, p): OffsetSpec.max_timestamp() for p in meta.partitions}
        found = [f.result(timeout_s) for f in
                 admin.list_offsets(asked, request_timeout=timeout_s).values()]
    except (KafkaException, TimeoutError) as exc:
        raise Unreadable(f"{topic}: {exc}") from exc
    stamps = [r.timestamp for r in found if r.offset >= 0 and r.timestamp >= 0]
    return max(stamps) if stamps else None


def group_lag(settings: Settings, group: str, topic: str, timeout_s: float = 5.0) -> int:
    """Records on ``topic`` past ``group``'s committed offsets (a partition it never
    committed counts from its start)."""
    admin = AdminClient({**admin_config(settings), **client_log()})
    try:
        meta = admin.list_topics(topic, timeout=timeout_s).topics[topic]
        parts = [TopicPartition(topic, p) for p in sorted(meta.partitions)]
        request = [ConsumerGroupTopicPartitions(group, parts)]
        done = admin.list_consumer_group_offsets(request, request_timeout=timeout_s)
        committed = {tp.partition: tp.offset for tp in done[group].result(timeout_s)
                     .topic_partitions}
    except (KafkaException, TimeoutError) as exc:
        raise Unreadable(f"lag of {group}: {exc}") from exc
    consumer = Consumer({**admin_config(settings), **client_log(),
                         "group.id": "leadstream-reader-lag", "enable.auto.commit": False})
    try:
        lag = 0
        for tp in parts:
            low, high = consumer.get_watermark_offsets(tp, timeout=timeout_s)
            done_at = committed.get(tp.partition, -1)
            lag += max(0, high - (done_at if done_at >= 0 else low))
    except (KafkaException, TimeoutError) as exc:
        raise Unreadable(f"lag of {group}: {exc}") from exc
    finally:
        consumer.close()
    return lag


def _check(topic: str, error: KafkaError) -> None:
    """End of a partition is no error; anything else (a refusal) makes the topic unreadable."""
    if error.code() != KafkaError._PARTITION_EOF:
        raise Unreadable(f"{topic}: {error.str()}")


def _json(raw: bytes) -> object:
    try:
        return json.loads(raw)
    except ValueError:
        return None
