"""``leadstream retrain``: train on recent labelled leads, validate against the champion on
the same holdout, register as challenger, optionally start a shadow experiment."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

import click

from schemas.control import ControlAction, ControlRequest, ServingMode
from schemas.errors import ModelUnavailable
from schemas.spec import load_spec
from scoring.registry import ModelRegistry
from streams.cli.common import console as shared_console
from streams.cli.common import parse_shift
from streams.settings import Settings
from streams.training.retrain import labelled_frame, train_candidate, validate
from streams.training.run import load_training_data


@click.command("retrain")
@click.option("--synthetic", is_flag=True, help="Train on synthetic leads, not the ledger.")
@click.option("--rows", type=click.IntRange(200), default=20_000, show_default=True,
              help="Most labelled leads to read (or synthetic leads to generate).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--shift", multiple=True, metavar="FEATURE=SIGMAS",
              help="Synthetic only: shift a feature (as in `leadstream train`).")
@click.option("--start-shadow", is_flag=True, help="Start a shadow experiment with it.")
def retrain(synthetic: bool, rows: int, seed: int, shift: tuple[str, ...],
            start_shadow: bool) -> None:
    """Train a challenger on recent labelled leads and register it if it beats the floor."""
    logging.basicConfig(level=logging.WARNING)
    settings, console = Settings(), shared_console()
    spec = load_spec(settings.spec_path)
    if synthetic:
        frame, source = load_training_data(spec, None, None, rows, seed, parse_shift(shift))
    else:
        if shift:
            raise click.UsageError("--shift applies to --synthetic only")
        frame, source = labelled_frame(settings, spec, rows), "ledger joined with outcomes"
    trained, profile = train_candidate(frame, spec, seed, settings)
    registry = ModelRegistry(settings.tracking_uri, settings.model_name,
                             settings.model_cache_dir, settings.artifact_root,
                             experiment_name=settings.experiment_name)
    try:
        champion = registry.load("champion")
    except ModelUnavailable:
        champion = None
    check = validate(trained, champion, settings.retrain_auc_floor)
    champ = f"{check.champion_auc:.4f}" if check.champion_auc is not None else "none"
    console.print(f"data: {source} ({len(frame)} rows); test AUC new {check.new_auc:.4f}, "
                  f"champion {champ}, floor {check.floor}")
    if not check.passed:
        raise click.ClickException(f"not registered: {check.reason}")
    version = registry.register(trained, profile, alias="challenger",
                                tags={"source": source[:250], "trigger": "retrain"})
    console.print(f"[bold]registered {settings.model_name} v{version} as @challenger[/]")
    if start_shadow:
        from streams.control.client import submit

        request = ControlRequest(
            request_id=f"retrain-{uuid.uuid4().hex}", model_name=settings.model_name,
            action=ControlAction.START_EXPERIMENT, mode=ServingMode.SHADOW,
            challenger_version=version, reason="retrain", actor="leadstream retrain",
            requested_at=datetime.now(UTC))
        result = submit(settings, request)
        console.print(f"shadow experiment: {result}")
