"""``leadstream produce``: a CRM simulator that publishes lead events to ``leads.incoming``.

Synthetic leads (``--count``, ``--seed``, ``--shift``) or a CRM export replayed through a
spec (``--csv``, ``--spec``), at a target rate, with a share of malformed events on request
(:mod:`streams.crm.traffic`).
"""

from __future__ import annotations

from pathlib import Path

import click

from streams.cli.common import parse_shift
from streams.crm.traffic import csv_events, mixed, publish, synthetic_events
from streams.settings import Settings


@click.command()
@click.option("--count", "-n", default=10_000, show_default=True,
              help="Events to publish (with --csv: at most this many of its rows).")
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
        rows = csv_events(csv_path, spec_path)
        events, count = iter(rows), min(count, len(rows))  # the bar counts what is sent
    else:
        events = synthetic_events(count, seed, parse_shift(shift))
    records = mixed(events, count, malformed_share, settings.max_payload_bytes, seed)
    acked = publish(settings, records, count, rate)
    click.echo(f"published {acked} events to {settings.topic_incoming} "
               f"at {settings.bootstrap_servers}")
