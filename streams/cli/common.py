"""What several commands share: option parsers, the JSON output switch and table fitting."""

from __future__ import annotations

import json

import click
from rich import box
from rich.table import Table


def parse_shift(values: tuple[str, ...]) -> dict[str, float]:
    shift = {}
    for item in values:
        name, sep, sigmas = item.partition("=")
        try:
            shift[name.strip()] = float(sigmas)
        except ValueError:
            sep = ""
        if not sep:
            raise click.BadParameter(f"expected feature=number, got {item!r}", param_hint="--shift")
    return shift


json_option = click.option(
    "--json", "as_json", is_flag=True,
    help="Print machine-readable JSON (stable keys) instead of tables.")


def print_json(doc: object) -> None:
    """One JSON document on stdout (datetimes and paths as strings), for scripts."""
    click.echo(json.dumps(doc, indent=2, sort_keys=True, default=str))


def fit_columns(table: Table, **min_widths: int) -> Table:
    """Fit a table to a narrow terminal (80 columns) without losing anything: no vertical
    rules, no header word split, and a value too long for its column folds onto the next
    line instead of being cut with '…'. ``min_widths`` by header (spaces as ``_``) keep the
    key columns wide enough for their usual values."""
    table.box = box.SIMPLE_HEAVY
    for column in table.columns:
        column.overflow = "fold"
        header = str(column.header)
        column.min_width = max([len(word) for word in header.split()]
                               + [min_widths.get(header.replace(" ", "_"), 1)])
    return table
