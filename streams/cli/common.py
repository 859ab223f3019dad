"""What several commands share: the console every command prints through, option parsers,
the JSON output switch and table fitting."""

from __future__ import annotations

import json
import os
import sys

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

UNLIMITED = 100_000
"""The console width when output goes to a pipe or a file: no line is ever wrapped or cut."""


def console(stderr: bool = False) -> Console:
    """The console of every command. On a terminal it is as wide as the terminal (long
    values fold, never cut). On a pipe or a file it has no width limit and never wraps:
    every line a command prints reaches ``grep``, ``jq`` or the file whole. ``COLUMNS``,
    when set, wins either way."""
    stream = sys.stderr if stderr else sys.stdout
    if os.environ.get("COLUMNS") or _isatty(stream):
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=UNLIMITED, soft_wrap=True)


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


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


def packed(fields: list[str], width: int, indent: int = 0, hang: int = 4) -> list[str]:
    """``fields`` (rich markup) joined by two spaces into lines of at most ``width`` cells,
    never splitting a field: one that does not fit starts the next line, indented by
    ``indent + hang``. A field wider than a whole line gets a line of its own."""
    lines: list[str] = []
    line, used = " " * indent, indent
    for field in fields:
        size = Text.from_markup(field).cell_len
        if used > indent + (hang if lines else 0) and used + 2 + size > width:
            lines.append(line)
            line, used = " " * (indent + hang), indent + hang
        gap = "  " if used > indent + (hang if lines else 0) else ""
        line, used = line + gap + field, used + len(gap) + size
    return [*lines, line]
