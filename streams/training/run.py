"""``leadstream train``: data → XGBoost → reference profile → MLflow version (→ alias).

Synthetic leads by default (``--rows``, ``--seed``, ``--shift feature=sigmas``), or a CRM
export read through a spec (``--data FILE.csv --target COL --spec SPEC``). The programmatic
entry point :func:`run_training` is what the demo and the retrain path call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

from monitors.binning import build_reference_profile
from schemas.spec import FeatureSpec, load_spec
from scoring.crm_export import read_crm_export
from scoring.registry import ModelRegistry
from scoring.synthetic import SyntheticCRM
from scoring.training import TrainConfig, TrainedModel, train_model
from streams.settings import Settings


@dataclass(frozen=True)
class TrainingOutcome:
    trained: TrainedModel
    version: str
    alias: str | None
    run_id: str | None
    source: str
    """What the model was trained on (file and row counts, or the synthetic recipe)."""


def load_training_data(
    spec: FeatureSpec, data: Path | None, target: str | None,
    rows: int, seed: int, shift: dict[str, float] | None,
) -> tuple[pd.DataFrame, str]:
    """The training frame and a one-line description of where it came from."""
    if data is None:
        frame = SyntheticCRM(seed).leads(rows, shift)
        return frame, f"synthetic CRM: {rows} leads, seed {seed}, shift {shift or 'none'}"
    frame, report = read_crm_export(data, spec, target)
    return frame, report.summary()


def run_training(
    settings: Settings, *, data: Path | None = None, target: str | None = None,
    spec_path: Path | None = None, rows: int = 20_000, seed: int = 0,
    shift: dict[str, float] | None = None, alias: str | None = None,
) -> TrainingOutcome:
    """Train, profile and register one model version; point ``alias`` at it if given."""
    spec = load_spec(spec_path or settings.spec_path)
    frame, source = load_training_data(spec, data, target, rows, seed, shift)
    trained = train_model(frame, spec, TrainConfig(seed=seed))
    profile = build_reference_profile(trained.holdout_columns, trained.holdout_scores,
                                      trained.spec, hot_threshold=settings.bucket_hot)
    registry = ModelRegistry(settings.tracking_uri, settings.model_name,
                             settings.model_cache_dir, settings.artifact_root,
                             experiment_name=settings.experiment_name)
    version = registry.register(trained, profile, alias=alias,
                                tags={"source": source[:250], "seed": str(seed)})
    run_id = registry.load_version(version).run_id
    return TrainingOutcome(trained, version, alias, run_id, source)


def _parse_shift(values: tuple[str, ...]) -> dict[str, float]:
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


def _report(console: Console, out: TrainingOutcome, settings: Settings) -> None:
    m = out.trained.metrics
    table = Table(title=f"{settings.model_name} v{out.version} - test split ({m.n} leads)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in m.scalars().items():
        table.add_row(name, f"{value:.4f}" if name != "n" else str(int(value)))
    table.add_row("best_iteration", str(out.trained.params["best_iteration"]))
    console.print(table)
    calib = Table(title="calibration (score deciles)")
    for col in ("decile", "n", "mean predicted", "observed"):
        calib.add_column(col, justify="right")
    for b in m.calibration:
        calib.add_row(str(b.decile), str(b.n), f"{b.mean_predicted:.3f}", f"{b.observed_rate:.3f}")
    console.print(calib)
    console.print(f"data: {out.source}")
    console.print(f"data hash: {out.trained.data_hash}")
    alias = f" as @{out.alias}" if out.alias else " (no alias set)"
    console.print(f"[bold]registered {settings.model_name} v{out.version}{alias}[/bold]")
    console.print(f"MLflow: {settings.tracking_uri}  experiment {settings.experiment_name!r}"
                  f"  run {out.run_id}")


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
@click.option("--alias", type=click.Choice(["champion", "challenger"]),
              help="Point this MLflow alias at the new version.")
def train(data: Path | None, target: str | None, spec_path: Path | None, rows: int,
          seed: int, shift: tuple[str, ...], alias: str | None) -> None:
    """Train an XGBoost lead-scoring model and register it in MLflow."""
    logging.basicConfig(level=logging.WARNING)
    if data is None and target:
        raise click.UsageError("--target needs --data")
    if data is not None and shift:
        raise click.UsageError("--shift applies to synthetic data only")
    settings = Settings()
    out = run_training(settings, data=data, target=target, spec_path=spec_path, rows=rows,
                       seed=seed, shift=_parse_shift(shift), alias=alias)
    _report(Console(), out, settings)
