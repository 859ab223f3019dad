"""``leadstream tail TOPIC``: pretty-print a topic's JSON records (read_committed).

TOPIC is a registry name (``monitor.guardrails``; renamed by settings where a setting
exists) or a literal topic name. Without ``--from-beginning`` it starts ``--last`` records
before the end of each partition; ``--follow`` keeps waiting for new records.
"""

from __future__ import annotations

import json
import time
import uuid

import click
from confluent_kafka import Consumer, KafkaException, Message, TopicPartition
from rich.console import Console
from rich.json import JSON

from schemas.topics import all_topics
from streams.kafka.topics import topic_name
from streams.settings import Settings


def resolve(settings: Settings, name: str) -> str:
    spec = all_topics().get(name)
    return topic_name(settings, spec) if spec is not None else name


def open_consumer(settings: Settings, topic: str, from_beginning: bool, last: int) -> Consumer:
    consumer = Consumer({**settings.kafka_config(), "group.id": f"leadstream-tail-{uuid.uuid4()}",
                         "enable.auto.commit": False, "isolation.level": "read_committed"})
    meta = consumer.list_topics(topic, timeout=10).topics[topic]
    if meta.error is not None:
        consumer.close()
        raise click.ClickException(f"topic {topic}: {meta.error.str()}")
    parts = []
    for p in sorted(meta.partitions):
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        parts.append(TopicPartition(topic, p, low if from_beginning else max(low, high - last)))
    consumer.assign(parts)
    return consumer


def render(console: Console, msg: Message) -> None:
    key = msg.key().decode(errors="replace") if msg.key() else None
    console.print(f"[bold cyan]{msg.topic()}[/][{msg.partition()}]@{msg.offset()} key={key}")
    value = msg.value()
    if value is None:
        console.print("[dim](tombstone)[/]")
        return
    try:
        console.print(JSON.from_data(json.loads(value)))
    except (ValueError, UnicodeDecodeError):
        console.print(repr(value[:500]))


@click.command("tail")
@click.argument("topic")
@click.option("--from-beginning", is_flag=True, help="Start at the first record.")
@click.option("--last", type=click.IntRange(0), default=10, show_default=True,
              help="Without --from-beginning: start this many records before the end.")
@click.option("--max", "max_records", type=click.IntRange(1), help="Stop after N records.")
@click.option("--follow", "-f", is_flag=True, help="Wait for new records until Ctrl-C.")
@click.option("--idle-s", type=float, default=2.0, show_default=True,
              help="Without --follow: stop after this long without a record.")
def tail(topic: str, from_beginning: bool, last: int, max_records: int | None,
         follow: bool, idle_s: float) -> None:
    """Pretty-print JSON records of TOPIC with key, partition and offset."""
    settings = Settings()
    console = Console()
    consumer = open_consumer(settings, resolve(settings, topic), from_beginning, last)
    shown, quiet_since = 0, time.monotonic()
    try:
        while max_records is None or shown < max_records:
            msgs = consumer.consume(min(500, (max_records or 500) - shown), 0.5)
            for msg in msgs:
                if msg.error() is not None:
                    raise KafkaException(msg.error())
                render(console, msg)
                shown += 1
            if msgs:
                quiet_since = time.monotonic()
            elif not follow and time.monotonic() - quiet_since > idle_s:
                break
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
