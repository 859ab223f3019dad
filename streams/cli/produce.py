"""``leadstream produce``: a CRM simulator that publishes lead events to ``leads.incoming``.

Synthetic leads (``--count``, ``--seed``, ``--shift``) or a CRM export replayed through a
spec (``--csv``, ``--spec``), at a target rate, with a share of malformed events on request
(:mod:`streams.crm.traffic`). With ``--outcomes``, the leads' outcomes follow on
``leads.outcomes`` (:mod:`streams.crm.outcomes`); ``--treatment-effect`` makes the
experiment's treatment arm convert more or less (soaks, :mod:`streams.crm.treatment`).
"""

from __future__ import annotations

from pathlib import Path

import click

from streams.cli.common import parse_shift
from streams.crm.outcomes import OutcomeFeed, csv_leads, synthetic_leads
from streams.crm.traffic import csv_events, mixed, publish, synthetic_events
from streams.crm.treatment import TreatmentEffect, synthetic_latent
from streams.settings import Settings

QUIET_SHARE = 0.1  # of synthetic leads, by default: they never get an outcome


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
@click.option("--outcomes", is_flag=True,
              help="Also publish the leads' outcomes to leads.outcomes: synthetic leads "
                   "convert with their ground-truth probability, an export's rows replay its "
                   "target column.")
@click.option("--outcome-delay", type=click.FloatRange(0), metavar="S",
              help="Seconds after its lead is acknowledged that an outcome is published "
                   "[default: 2].")
@click.option("--quiet-share", type=click.FloatRange(0, 1),
              help="Share of leads that never convert nor close: no outcome is published "
                   f"for them [default: {QUIET_SHARE}; 0 with --csv].")
@click.option("--target", help="Outcome column of the CSV (default: the spec's).")
@click.option("--treatment-effect", type=click.FloatRange(min=-1, min_open=True), metavar="E",
              help="Soaks: a synthetic lead the experiment's treatment arm served (as "
                   "published on leads.scored) converts with p*(1+E), e.g. -0.2 = 20 %% less "
                   "(relative); its outcome waits for the published score.")
def produce(count: int, rate: float, malformed_share: float, seed: int, shift: tuple[str, ...],
            csv_path: Path | None, spec_path: Path | None, outcomes: bool,
            outcome_delay: float | None, quiet_share: float | None, target: str | None,
            treatment_effect: float | None) -> None:
    """Publish lead events to leads.incoming, like a CRM would (and, with --outcomes,
    their outcomes to leads.outcomes)."""
    _check(csv_path, outcomes, outcome_delay, quiet_share, target)
    if treatment_effect is not None and (not outcomes or csv_path is not None):
        raise click.UsageError("--treatment-effect needs --outcomes and synthetic leads")
    settings = Settings()
    feed, effect = None, None
    if not outcomes:
        if csv_path is not None:
            rows = csv_events(csv_path, spec_path)
            events, count = iter(rows), min(count, len(rows))  # the bar counts what is sent
        else:
            events = synthetic_events(count, seed, parse_shift(shift))
    else:
        if treatment_effect is not None:
            effect = TreatmentEffect.reading(settings, treatment_effect)
        feed = OutcomeFeed(settings.topic_leads_outcomes,
                           2.0 if outcome_delay is None else outcome_delay, effect=effect)
        if csv_path is not None:
            rows = list(csv_leads(csv_path, spec_path, target, quiet_share or 0.0, seed))
            leads, count = iter(rows), min(count, len(rows))  # the bar counts what is sent
        else:
            share = QUIET_SHARE if quiet_share is None else quiet_share
            leads = (synthetic_leads(count, seed, parse_shift(shift), share) if effect is None
                     else effect.tag(synthetic_latent(count, seed, parse_shift(shift), share)))
        events = feed.tag(leads)
    records = mixed(events, count, malformed_share, settings.max_payload_bytes, seed)
    try:
        acked = publish(settings, records, count, rate, outcomes=feed)
    finally:
        if effect is not None:
            effect.close()
    click.echo(f"published {acked} events to {settings.topic_incoming} "
               f"at {settings.bootstrap_servers}")
    if feed is not None:
        click.echo(f"published {feed.published} outcomes ({feed.converted} converted) to "
                   f"{settings.topic_leads_outcomes}")
    if effect is not None:
        click.echo(f"treatment effect {effect.effect:+g} applied to {effect.treated} outcomes "
                   "of treated leads")


def _check(csv_path: Path | None, outcomes: bool, delay: float | None,
           quiet_share: float | None, target: str | None) -> None:
    if target is not None and csv_path is None:
        raise click.UsageError("--target needs --csv")
    if not outcomes and (delay is not None or quiet_share is not None or target is not None):
        raise click.UsageError("--outcome-delay, --quiet-share and --target need --outcomes")
