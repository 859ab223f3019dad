"""``leadstream produce``: a CRM simulator that publishes lead events to ``leads.incoming``.

Synthetic leads (``--count``, ``--seed``, ``--shift``) or a CRM export replayed through a
spec (``--csv``, ``--spec``), at a target rate, with a share of malformed events on request.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path

import click
import numpy as np
from confluent_kafka import KafkaException, Producer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from schemas.spec import load_spec
from scoring.crm_export import read_crm_export
from scoring.malformed import malformed
from scoring.synthetic import SyntheticCRM
from streams.cli.common import parse_shift
from streams.settings import Settings


def synthetic_events(count: int, seed: int, shift: dict[str, float]) -> Iterator[dict]:
    """Synthetic lead events in chunks, so a large count never sits in memory at once."""
    crm = SyntheticCRM(seed)
    for start in range(0, count, 10_000):
        yield from crm.events(min(10_000, count - start), shift or None)


def csv_events(path: Path, spec_path: Path | None) -> Iterator[dict]:
    """A CRM export's rows as lead events (missing values left out, as a CRM would); the
    export needs no target column."""
    frame, _ = read_crm_export(path, load_spec(spec_path), need_target=False)
    names = ["lead_id", *(f.name for f in load_spec(spec_path).features)]
    for row in frame[names].to_dict("records"):
        yield {k: v for k, v in row.items() if v is not None and v == v}


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
            total: int, rate: float, show_progress: bool = True) -> int:
    """Produce with pacing (and a progress bar); return how many the broker acknowledged."""
    producer = Producer({**settings.kafka_config(), "enable.idempotence": True, "linger.ms": 5})
    failures: list[str] = []
    acked = 0

    def on_delivery(err, _msg) -> None:
        nonlocal acked
        if err is None:
            acked += 1
        else:
            failures.append(str(err))

    started = time.monotonic()
    columns = (TextColumn("producing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, disable=not show_progress) as bar:
        task = bar.add_task("produce", total=total)
        for i, (key, value) in enumerate(records, 1):
            _produce(producer, settings.topic_incoming, key, value, on_delivery)
            if rate > 0:
                ahead = i / rate - (time.monotonic() - started)
                if ahead > 0:
                    producer.poll(ahead)
            if i % 500 == 0:
                bar.update(task, completed=i)
        remaining = producer.flush(60)
        bar.update(task, completed=total)
    if failures or remaining:
        raise click.ClickException(
            f"{len(failures)} events failed, {remaining} undelivered; first error: "
            f"{failures[0] if failures else 'flush timed out'}"
        )
    return acked


def _produce(producer: Producer, topic: str, key, value, on_delivery) -> None:
    while True:
        try:
            producer.produce(topic, value=value, key=key, on_delivery=on_delivery)
            producer.poll(0)
            return
        except BufferError:  # local queue full: let deliveries drain, then retry
            producer.poll(0.1)
        except KafkaException as exc:
            raise click.ClickException(f"cannot produce to {topic}: {exc}") from exc


@click.command()
@click.option("--count", "-n", default=10_000, show_default=True, help="Events to publish.")
@click.option("--rate", default=0.0, help="Target events per second (0 = as fast as possible).")
@click.option("--malformed-share", default=0.0, type=click.FloatRange(0, 1),
              help="Share of malformed events (every kind the scorer must dead-letter).")
@click.option("--seed", default=1, show_default=True, help="Seed of the synthetic CRM.")
@click.option("--shift", multiple=True, metavar="FEATURE=SIGMAS",
              help="Shift a synthetic feature by SIGMAS standard deviations (repeatable).")
@click.option("--csv", "csv_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Replay a CRM export instead of synthetic leads.")
@click.option("--spec", "spec_path", type=click.Path(exists=True, path_type=Path),
              help="Feature spec of the CRM export (default: the packaged spec).")
def produce(count: int, rate: float, malformed_share: float, seed: int, shift: tuple[str, ...],
            csv_path: Path | None, spec_path: Path | None) -> None:
    """Publish lead events to leads.incoming, like a CRM would."""
    settings = Settings()
    if csv_path is not None:
        events = csv_events(csv_path, spec_path)
    else:
        events = synthetic_events(count, seed, parse_shift(shift))
    records = mixed(events, count, malformed_share, settings.max_payload_bytes, seed)
    acked = publish(settings, records, count, rate)
    click.echo(f"published {acked} events to {settings.topic_incoming} "
               f"at {settings.bootstrap_servers}")
