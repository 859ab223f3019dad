"""``leadstream demo``: the whole product in one run on the real local stack."""

from __future__ import annotations

import time

import click
from rich.console import Console

from streams.demo.run import Demo, demo_settings


@click.command()
@click.option("--leads", default=20_000, show_default=True, help="CRM leads to replay.")
@click.option("--rate", default=4_000.0, show_default=True, help="Leads per second.")
def demo(leads: int, rate: float) -> None:
    """Stack up, train, score, monitor drift and show an automatic rollback."""
    seed = int(time.time()) % 100_000  # fresh lead ids and model name on every run
    Demo(demo_settings(seed), Console(), leads, rate, seed).run()
