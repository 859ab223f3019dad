"""``leadstream spec check | reference``: a CRM export against a spec, and the spec format."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from schemas.spec import load_spec
from scoring.spec_check import SpecCheck, check_export
from scoring.spec_reference import reference_markdown
from streams.cli.common import console, fit_columns, json_option, print_json
from streams.settings import Settings


@click.group("spec")
def spec() -> None:
    """Check a CRM export against a feature spec; print the spec reference."""


@spec.command("reference")
def reference() -> None:
    """The feature-spec reference (every key, default and policy) as Markdown."""
    click.echo(reference_markdown(), nl=False)


@spec.command("check")
@click.argument("spec_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, help="The CRM export (CSV).")
@click.option("--target", help="Outcome column of the CSV (default: the spec's).")
@click.option("--sep", help="CSV delimiter (default: detected).")
@json_option
def check(spec_path: Path, data: Path, target: str | None, sep: str | None,
          as_json: bool) -> None:
    """What training on DATA through SPEC_PATH would keep, drop and why."""
    s = Settings()
    result = check_export(data, load_spec(spec_path), target, sep, s.train_min_rows,
                          s.train_min_positives, s.train_min_negatives, s.leaky_names)
    if as_json:
        print_json(result.as_dict())
        return
    _render(console(), result)


def _render(console: Console, r: SpecCheck) -> None:
    console.print(r.report.summary())
    table = fit_columns(Table(title="features (column in the export: see the spec)"),
                        feature=max(len(f.name) for f in r.features))
    for col in ("feature", "kind", "missing", "what training sees"):
        table.add_column(col)
    for f in r.features:
        table.add_row(f.name, f.kind[:3], f"{f.missing_share:.0%}", f.detail)
    console.print(table)
    if r.ignored_columns:
        console.print(f"ignored columns ({len(r.ignored_columns)}): "
                      + ", ".join(r.ignored_columns))
    console.print(f"outcomes: {r.positives} conversions, {r.negatives} non-conversions; "
                  f"minimum data: {r.gate}")
    console.print(f"split: {r.split}; delimiter {r.report.sep!r}")
    for w in r.leakage:
        console.print(f"[bold yellow]warning[/]: likely target leakage: {escape(w.text())}",
                      highlight=False)
    if r.leakage:
        console.print("A value known only after the outcome scores well offline and is "
                      "missing when a new lead is scored: leave it out of the spec.")
