"""A CRM stand-in: lead events (synthetic, or an export replayed through a spec) published
to ``leads.incoming`` at a target rate, with malformed events mixed in on request.

Used by ``leadstream produce`` and the demo; the traffic a real CRM would send.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from confluent_kafka import KafkaException, Producer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from schemas.errors import RetryableError
from schemas.spec import load_spec
from scoring.crm_export import read_crm_export
from scoring.malformed import malformed
from scoring.synthetic import SyntheticCRM
from streams.kafka.client_log import client_log
from streams.kafka.sizes import RecordTooLarge, check_record
from streams.settings import Settings

if TYPE_CHECKING:
    from streams.crm.outcomes import OutcomeFeed


def synthetic_events(count: int, seed: int, shift: dict[str, float]) -> Iterator[dict]:
    """Synthetic lead events in chunks, so a large count never sits in memory at once."""
    crm = SyntheticCRM(seed)
    for start in range(0, count, 10_000):
        yield from crm.events(min(10_000, count - start), shift or None)


def csv_events(path: Path, spec_path: Path | None) -> list[dict]:
    """A CRM export's rows as lead events (missing values left out, as a CRM would); the
    export needs no target column. A list: its length is what a replay will send."""
    frame, _ = read_crm_export(path, load_spec(spec_path), need_target=False)
    names = ["lead_id", *(f.name for f in load_spec(spec_path).features)]
    return [{k: v for k, v in row.items() if v is not None and v == v}
            for row in frame[names].to_dict("records")]


def mixed(events: Iterator[dict], count: int, bad_share: float, limit: int, seed: int
          ) -> Iterator[tuple[bytes | None, bytes | None]]:
    """(key, value) pairs: the events, with about ``bad_share`` of malformed ones mixed in."""
    rng = np.random.default_rng(seed)
    bad = 0
    for event in itertools.islice(events, count):
        if bad_share and rng.random() < bad_share:
            value, _ = malformed(bad, limit)
            yield f"bad-{bad}".encode(), value
            bad += 1
        else:
            yield event["lead_id"].encode(), json.dumps(event).encode()


def publish(settings: Settings, records: Iterator[tuple[bytes | None, bytes | None]],
            total: int, rate: float, show_progress: bool = True,
            outcomes: OutcomeFeed | None = None) -> int:
    """Produce with pacing (and a progress bar); return how many the broker acknowledged.
    With ``outcomes``, the leads' outcomes follow them (:mod:`streams.crm.outcomes`)."""
    producer = Producer({**settings.kafka_config(), "enable.idempotence": True, "linger.ms": 5,
                         **client_log()})
    failures: list[str] = []
    acked = 0

    def on_delivery(err, msg) -> None:
        nonlocal acked
        if err is None:
            acked += 1
            if outcomes is not None:
                outcomes.delivered(msg.key())
        else:
            failures.append(str(err))

    started = time.monotonic()
    columns = (TextColumn("producing {task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())
    with Progress(*columns, disable=not show_progress) as bar:
        task = bar.add_task("leads", total=total)
        if outcomes is not None:
            outcomes.show(bar)
        for i, (key, value) in enumerate(records, 1):
            too_large(producer, settings, i, key, value)
            produce_one(producer, settings.topic_incoming, key, value, on_delivery)
            if outcomes is not None:
                outcomes.release(producer)
            if rate > 0:
                ahead = i / rate - (time.monotonic() - started)
                if ahead > 0:
                    producer.poll(ahead)
            if i % 500 == 0:
                bar.update(task, completed=i)
        remaining = producer.flush(60)
        bar.update(task, completed=acked)
        if outcomes is not None:
            remaining += outcomes.drain(producer)
    if failures or remaining:
        raise RetryableError(
            f"{len(failures)} events failed, {remaining} undelivered; first error: "
            f"{failures[0] if failures else 'flush timed out'}"
        )
    return acked


def too_large(producer: Producer, settings: Settings, i: int, key: bytes | None,
              value: bytes | None) -> None:
    """Refuse event ``i`` if the broker would (the one size check of every produced
    record); what was sent before it is delivered first."""
    try:
        check_record(settings.topic_incoming, key, value, settings.max_record_bytes)
    except RecordTooLarge as exc:
        producer.flush(60)
        raise RecordTooLarge(f"event {i} of the input: {exc}; the events before it were "
                             f"sent, none after it") from exc


def produce_one(producer: Producer, topic: str, key, value, on_delivery) -> None:
    while True:
        try:
            producer.produce(topic, value=value, key=key, on_delivery=on_delivery)
            producer.poll(0)
            return
        except BufferError:  # local queue full: let deliveries drain, then retry
            producer.poll(0.1)
        except KafkaException as exc:
            raise RetryableError(f"cannot produce to {topic}: {exc}") from exc
