"""Training runs: data → XGBoost → reference profile → MLflow version (→ alias).

Synthetic leads by default (``--rows``, ``--seed``, ``--shift feature=sigmas``), or a CRM
export read through a spec (``--data FILE.csv --target COL --spec SPEC``).
:func:`run_training` is what ``leadstream train``, the demo and the retrain path call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from monitors.binning import build_reference_profile
from schemas.errors import FatalError
from schemas.spec import FeatureSpec, load_spec
from scoring.crm_export import read_crm_export
from scoring.importance import with_importance
from scoring.registry import ModelRegistry
from scoring.synthetic import SyntheticCRM
from scoring.training import TrainedModel, train_model
from streams.settings import Settings

CHAMPION = "champion"


@dataclass(frozen=True)
class TrainingOutcome:
    trained: TrainedModel
    version: str
    alias: str | None
    run_id: str | None
    source: str
    """What the model was trained on (file and row counts, or the synthetic recipe)."""
    first_champion: bool = False
    """No alias was asked for and the registry had no champion: this version became it."""


def load_training_data(
    spec: FeatureSpec, data: Path | None, target: str | None,
    rows: int, seed: int, shift: dict[str, float] | None, sep: str | None = None,
) -> tuple[pd.DataFrame, str]:
    """The training frame and a one-line description of where it came from."""
    if data is None:
        frame = SyntheticCRM(seed).leads(rows, shift)
        return frame, f"synthetic CRM: {rows} leads, seed {seed}, shift {shift or 'none'}"
    frame, report = read_crm_export(data, spec, target, sep)
    return frame, report.summary()


def run_training(
    settings: Settings, *, data: Path | None = None, target: str | None = None,
    spec_path: Path | None = None, rows: int = 20_000, seed: int = 0,
    shift: dict[str, float] | None = None, alias: str | None = None, refit: bool = False,
    sep: str | None = None,
) -> TrainingOutcome:
    """Train, profile and register one model version; point ``alias`` at it if given.
    Without ``alias``, the first version of a registry with no champion becomes the
    champion (a scorer has something to serve); later ones get no alias."""
    spec = load_spec(spec_path or settings.spec_path)
    frame, source = load_training_data(spec, data, target, rows, seed, shift, sep)
    try:
        trained = train_model(frame, spec, settings.train_config(seed, refit))
    except FatalError as exc:
        raise FatalError(f"{exc}; data: {source}") from exc
    profile = with_importance(build_reference_profile(
        trained.holdout_columns, trained.holdout_scores, trained.spec,
        top_grade_bound=settings.grade_scale.top_bound), trained)
    registry = ModelRegistry(settings.tracking_uri, settings.model_name,
                             settings.model_cache_dir, settings.artifact_root,
                             experiment_name=settings.experiment_name)
    first = alias is None and registry.alias_version(CHAMPION) is None
    alias = CHAMPION if first else alias
    version = registry.register(trained, profile, alias=alias,
                                tags={"source": source[:250], "seed": str(seed),
                                      "split": trained.split[:250]})
    run_id = registry.load_version(version).run_id
    return TrainingOutcome(trained, version, alias, run_id, source, first_champion=first)
