"""``leadstream tail TOPIC``: print a topic's records (read_committed), pretty or as JSON Lines.

TOPIC is a registry name (``monitor.guardrails``; renamed by settings where a setting
exists) or a literal topic name. Without ``--from-beginning`` it prints the last ``--last``
records of each partition (counted in records: transaction markers and aborted records,
which take offsets too, are not counted); ``--follow`` keeps waiting for new records.
``--json`` prints one JSON document per line and record (:func:`record_doc`).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections import deque

import click
from confluent_kafka import Consumer, KafkaException, Message, TopicPartition
from rich.console import Console
from rich.json import JSON

from schemas.topics import all_topics
from streams.cli.common import console
from streams.kafka.client_log import client_log
from streams.kafka.topics import topic_name
from streams.settings import Settings

SEARCH_S = 10.0
"""How long finding one partition's last records may take before tail starts where it got."""


def resolve(settings: Settings, name: str) -> str:
    spec = all_topics().get(name)
    return topic_name(settings, spec) if spec is not None else name


def open_consumer(settings: Settings, topic: str, from_beginning: bool, last: int,
                  exact: bool = False) -> Consumer:
    """A consumer assigned to every partition of ``topic``: from its beginning, or ``last``
    offsets before its end; ``exact``: ``last`` records before its end (searched)."""
    consumer = Consumer({**settings.kafka_config(), **client_log(),
                         "group.id": f"leadstream-tail-{uuid.uuid4()}",
                         "enable.auto.commit": False, "isolation.level": "read_committed"})
    meta = consumer.list_topics(topic, timeout=10).topics[topic]
    if meta.error is not None:
        consumer.close()
        raise click.ClickException(f"topic {topic}: {meta.error.str()}")
    parts = []
    for p in sorted(meta.partitions):
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        if from_beginning or last == 0 or high <= low:
            start = low if from_beginning else high
        elif exact:
            start = last_records_start(consumer, TopicPartition(topic, p), low, high, last)
        else:
            start = max(low, high - last)
        parts.append(TopicPartition(topic, p, start))
    consumer.assign(parts)
    return consumer


def last_records_start(consumer: Consumer, tp: TopicPartition, low: int, high: int,
                       n: int) -> int:
    """The offset of the ``n``-th last record of one partition: read back from its end in
    widening steps until ``n`` records (or the partition's start) are behind."""
    span = 2 * n + 16
    while True:
        start = max(low, high - span)
        consumer.assign([TopicPartition(tp.topic, tp.partition, start)])
        seen: deque[int] = deque(maxlen=n)
        deadline = time.monotonic() + SEARCH_S
        while time.monotonic() < deadline:
            for msg in consumer.consume(500, 0.2):
                if msg.error() is None:
                    seen.append(msg.offset())
            position = consumer.position([tp])[0].offset
            if position >= high or (seen and seen[-1] >= high - 1):
                break
        if len(seen) == n or start == low or time.monotonic() >= deadline:
            return seen[0] if len(seen) == n else start
        span *= 4


def record_doc(msg: Message) -> dict:
    """One record as a JSON document: ``topic``, ``partition``, ``offset``, ``timestamp_ms``,
    ``key`` (text, or ``key_base64`` when it is not UTF-8), ``value`` (the parsed JSON;
    ``value_text`` or ``value_base64`` when it is not JSON; null for a tombstone)."""
    doc: dict = {"topic": msg.topic(), "partition": msg.partition(), "offset": msg.offset(),
                 "timestamp_ms": msg.timestamp()[1]}
    doc.update(_bytes_field("key", msg.key(), parse=False))
    doc.update(_bytes_field("value", msg.value(), parse=True))
    return doc


def _bytes_field(name: str, raw: bytes | None, parse: bool) -> dict:
    if raw is None:
        return {name: None}
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return {f"{name}_base64": base64.b64encode(raw).decode()}
    if not parse:
        return {name: text}
    try:
        return {name: json.loads(text)}
    except ValueError:
        return {f"{name}_text": text}


def render(out: Console, msg: Message) -> None:
    key = msg.key().decode(errors="replace") if msg.key() else None
    out.print(f"[bold cyan]{msg.topic()}[/][{msg.partition()}]@{msg.offset()} key={key}")
    value = msg.value()
    if value is None:
        out.print("[dim](tombstone)[/]")
        return
    try:
        out.print(JSON.from_data(json.loads(value)))
    except (ValueError, UnicodeDecodeError):
        out.print(repr(value[:500]))


@click.command("tail")
@click.argument("topic")
@click.option("--from-beginning", is_flag=True, help="Start at the first record.")
@click.option("--last", type=click.IntRange(0), default=10, show_default=True,
              help="Without --from-beginning: print the last N records of each partition "
                   "(a topic of 6 partitions shows up to 6 x N).")
@click.option("--max", "max_records", type=click.IntRange(1), help="Stop after N records.")
@click.option("--follow", "-f", is_flag=True, help="Wait for new records until Ctrl-C.")
@click.option("--idle-s", type=float, default=2.0, show_default=True,
              help="Without --follow: stop after this long without a record.")
@click.option("--json", "as_json", is_flag=True,
              help="JSON Lines: one JSON document per record and line (topic, partition, "
                   "offset, timestamp_ms, key, value).")
def tail(topic: str, from_beginning: bool, last: int, max_records: int | None,
         follow: bool, idle_s: float, as_json: bool) -> None:
    """Print the records of TOPIC with key, partition and offset."""
    settings = Settings()
    out = console()
    consumer = open_consumer(settings, resolve(settings, topic), from_beginning, last,
                             exact=True)
    shown, quiet_since = 0, time.monotonic()
    try:
        while max_records is None or shown < max_records:
            msgs = consumer.consume(min(500, (max_records or 500) - shown), 0.5)
            for msg in msgs:
                if msg.error() is not None:
                    raise KafkaException(msg.error())
                if as_json:
                    click.echo(json.dumps(record_doc(msg)))
                else:
                    render(out, msg)
                shown += 1
            if msgs:
                quiet_since = time.monotonic()
            elif not follow and time.monotonic() - quiet_since > idle_s:
                break
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
