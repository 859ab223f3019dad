"""The ``leadstream`` command: a thin registry of command groups that live in their modules.

To add a command, define it in its own module and register it here with one line:
``main.add_command(<command>)``.
"""

from __future__ import annotations

import click

from schemas.errors import FatalError
from streams.produce import produce
from streams.schemas_cli import schemas
from streams.score_cli import score
from streams.stack.cli import stack
from streams.train import train


class _Main(click.Group):
    """Turns a :class:`FatalError` from any command into a clear message and exit code 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except FatalError as exc:
            raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc


@click.group(cls=_Main)
@click.version_option(package_name="leadstream")
def main() -> None:
    """leadstream: event-driven lead scoring on Apache Kafka."""


main.add_command(stack)
main.add_command(score)
main.add_command(train)
main.add_command(produce)
main.add_command(schemas)
