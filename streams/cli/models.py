"""``leadstream models``: promote, rollback, history, show."""

from __future__ import annotations

import click
from rich.table import Table

from schemas.control import ControlAction, ServingConfig
from schemas.errors import FatalError
from streams.cli.experiment import actor_option, ask, console, print_config, reason_option
from streams.control.client import alerts, history, latest_config
from streams.settings import Settings


@click.group()
def models() -> None:
    """Promote and roll back model versions; show the serving configuration and history."""


@models.command()
@click.argument("version")
@actor_option
@reason_option
def promote(version: str, actor: str, reason: str) -> None:
    """Make VERSION the champion (stops any experiment; the old champion is remembered)."""
    ask(Settings(), ControlAction.PROMOTE_VERSION, actor, reason, version=version)


@models.command()
@click.argument("version", required=False)
@actor_option
@reason_option
def rollback(version: str | None, actor: str, reason: str) -> None:
    """Move the champion back to VERSION (default: the previous champion).

    A version that was itself rolled back is refused.
    """
    ask(Settings(), ControlAction.ROLLBACK, actor, reason, version=version)


@models.command()
def show() -> None:
    """The serving configuration in force (last record on models.control)."""
    settings = Settings()
    config = latest_config(settings, settings.model_name)
    if config is None:
        raise FatalError(f"no serving configuration for {settings.model_name} yet")
    print_config(config)


@models.command("history")
@click.option("--alerts/--no-alerts", "with_alerts", default=True,
              help="Also list what the controller refused.")
def history_command(with_alerts: bool) -> None:
    """Every serving change: when, who, what, why, from and to."""
    settings = Settings()
    table = Table(title=f"{settings.model_name}: serving changes")
    for col in ("seq", "at", "actor", "action", "from", "to", "reason"):
        table.add_column(col)
    for e in history(settings, settings.model_name):
        table.add_row(str(e.sequence), e.at.isoformat(timespec="seconds"), e.actor, e.action,
                      _brief(e.before), _brief(e.after), e.reason)
    console().print(table)
    if with_alerts:
        for a in alerts(settings, settings.model_name):
            console().print(f"[yellow]{a.at.isoformat(timespec='seconds')} refused "
                          f"{a.source} ({a.kind}) by {a.actor}:[/] {a.message}")


def _brief(c: ServingConfig | None) -> str:
    if c is None:
        return "-"
    challenger = f" vs v{c.challenger_version} {c.mode.value} {c.treatment_share:g}" \
        if c.challenger_version else ""
    return f"v{c.champion_version}{challenger}"
