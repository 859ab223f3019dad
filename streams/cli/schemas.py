"""``leadstream schemas export DIR``: one JSON Schema file per topic."""

from __future__ import annotations

from pathlib import Path

import click

from schemas.export import export_schemas
from schemas.spec import load_spec


@click.group()
def schemas() -> None:
    """Event contracts of every topic."""


@schemas.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--spec", "spec_path", type=click.Path(exists=True, path_type=Path),
              help="Feature spec that defines leads.incoming (default: the packaged spec).")
def export(directory: Path, spec_path: Path | None) -> None:
    """Write <topic>.schema.json for every topic into DIRECTORY."""
    for path in export_schemas(load_spec(spec_path), directory):
        click.echo(path)
