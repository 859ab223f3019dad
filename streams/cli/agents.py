"""``leadstream agents``: one faust worker running every agent of :data:`INSTALLERS`."""

from __future__ import annotations

import click

from streams.agents.app import run_worker
from streams.settings import Settings


@click.command()
@click.option("--loglevel", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
def agents(loglevel: str) -> None:
    """Run the agents: controller, outcome join, experiment reports, monitor windows.

    They run at least once and idempotently; run more workers for more partitions.
    SIGTERM stops the worker cleanly.
    """
    run_worker(Settings(), loglevel=loglevel.upper())
