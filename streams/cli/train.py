"""``leadstream train``: train an XGBoost lead-scoring model and register it in MLflow."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from streams.cli.common import console, parse_shift
from streams.redact import redact_url
from streams.settings import Settings
from streams.training.run import TrainingOutcome, run_training


def _report(console: Console, out: TrainingOutcome, settings: Settings) -> None:
    m = out.trained.metrics
    table = Table(title=f"{settings.model_name} v{out.version} - test split ({m.n} leads)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in m.scalars().items():
        if name in ("auc_low", "auc_high"):
            continue
        shown = f"{value:.4f}" if name != "n" else str(int(value))
        if name == "auc":
            shown += f" (95 % CI {m.auc_low:.3f}-{m.auc_high:.3f})"
        table.add_row(name, shown)
    table.add_row("best_iteration", str(out.trained.params["best_iteration"]))
    console.print(table)
    calib = Table(title="calibration (score deciles)")
    for col in ("decile", "n", "mean predicted", "observed"):
        calib.add_column(col, justify="right")
    for b in m.calibration:
        calib.add_row(str(b.decile), str(b.n), f"{b.mean_predicted:.3f}", f"{b.observed_rate:.3f}")
    console.print(calib)
    console.print(f"data: {out.source}")
    console.print(f"split: {out.trained.split}")
    console.print(f"data hash: {out.trained.data_hash}")
    alias = f" as @{out.alias}" if out.alias else " (no alias set)"
    console.print(f"[bold]registered {settings.model_name} v{out.version}{alias}[/bold]")
    if out.first_champion:
        console.print(f"the registry had no champion: v{out.version} is the champion now, "
                      f"`leadstream score` serves it")
    elif not out.alias:
        console.print(f"to serve it: `leadstream models promote {out.version}` "
                      f"(with `leadstream agents` running)")
    console.print(f"MLflow: {redact_url(settings.tracking_uri)}  experiment "
                  f"{settings.experiment_name!r}  run {out.run_id}")


@click.command("train")
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CRM export (CSV) to train on; default: synthetic leads.")
@click.option("--target", help="Outcome column of the CSV (default: the spec's).")
@click.option("--spec", "spec_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Feature spec (TOML/YAML); default: LEADSTREAM_SPEC_PATH or the built-in.")
@click.option("--rows", type=click.IntRange(100), default=20_000, show_default=True,
              help="Synthetic leads to generate.")
@click.option("--seed", type=int, default=0, show_default=True, help="Data and split seed.")
@click.option("--shift", multiple=True, metavar="FEATURE=SIGMAS",
              help="Shift a synthetic feature (numeric: in std devs; categorical: share).")
@click.option("--sep", help="CSV delimiter (default: detected: , ; tab |).")
@click.option("--refit", is_flag=True,
              help="After choosing the rounds on the validation split, train on every row.")
@click.option("--alias", type=click.Choice(["champion", "challenger"]),
              help="Point this MLflow alias at the new version (default: none, except that "
                   "the first version of a registry without a champion becomes it).")
def train(data: Path | None, target: str | None, spec_path: Path | None, rows: int,
          seed: int, shift: tuple[str, ...], sep: str | None, refit: bool,
          alias: str | None) -> None:
    """Train an XGBoost lead-scoring model and register it in MLflow."""
    logging.basicConfig(level=logging.WARNING)
    if data is None and target:
        raise click.UsageError("--target needs --data")
    if data is not None and shift:
        raise click.UsageError("--shift applies to synthetic data only")
    settings = Settings()
    out = run_training(settings, data=data, target=target, spec_path=spec_path, rows=rows,
                       seed=seed, shift=parse_shift(shift), alias=alias, refit=refit,
                       sep=sep)
    _report(console(), out, settings)
