"""The MLflow registry adapter: the only module of leadstream that imports mlflow.

``register`` logs one training run (params, metrics, spec, data hash, calibration table,
reference profile, and the booster in XGBoost's own ``ubj`` format with its signature),
registers it as a new version and optionally points an alias (``champion`` /
``challenger``; registry stages are deprecated) at it. ``load`` resolves an alias, loads
the raw Booster plus spec and profile, and keeps them in a :class:`ModelCache`, so that when
MLflow is unreachable it serves the last version it saw for that alias.

MLflow's own INFO lines ("Creating initial MLflow database tables", "Successfully
registered model", printed to stderr outside logging) are this module's DEBUG log lines
(:func:`quiet_mlflow`, at import; ``MLFLOW_LOGGING_LEVEL``, when set, keeps MLflow's own
logging); its warnings and errors keep their level. :func:`create_store` creates the
embedded sqlite store for ``stack up``.

Remote calls fail fast: while this adapter talks to MLflow it sets
``MLFLOW_HTTP_REQUEST_MAX_RETRIES=0`` and a short ``MLFLOW_HTTP_REQUEST_TIMEOUT`` (unless the
user set them) and restores them afterwards. It also sets MLflow's process-wide tracking
and registry URIs to ``tracking_uri``: one registry per process.
"""

from __future__ import annotations

import io
import json
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import mlflow
import mlflow.utils.logging_utils
import mlflow.xgboost
import requests
import xgboost as xgb
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from mlflow.tracking import MlflowClient

from schemas.errors import ModelUnavailable
from schemas.profile import ReferenceProfile
from schemas.spec import FeatureSpec
from scoring.features import FeatureEncoder
from scoring.model import ServingModel
from scoring.model_cache import ModelCache

if TYPE_CHECKING:  # training (pandas, scikit-learn) is not needed to load a model
    from scoring.training import TrainedModel

log = logging.getLogger(__name__)
ARTIFACTS = "leadstream"


class _Demoted(logging.Handler):
    """MLflow's log records through this module's logger: below WARNING at DEBUG."""

    def emit(self, record: logging.LogRecord) -> None:
        level = record.levelno if record.levelno >= logging.WARNING else logging.DEBUG
        log.log(level, "mlflow: %s", record.getMessage())


class _DebugLines(io.TextIOBase):
    """What MLflow prints to stderr outside logging (``eprint``), as DEBUG log lines."""

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                log.debug("mlflow: %s", line)
        return len(text)


def quiet_mlflow() -> None:
    """MLflow's INFO lines and prints to this module's DEBUG log (warnings stay warnings),
    unless ``MLFLOW_LOGGING_LEVEL`` says how MLflow should log."""
    if os.environ.get("MLFLOW_LOGGING_LEVEL"):
        return
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).handlers = [_Demoted()]
    mlflow.utils.logging_utils.MLFLOW_LOGGING_STREAM = _DebugLines()


quiet_mlflow()


def create_store(tracking_uri: str, artifact_root: Path, experiment_name: str) -> None:
    """Create the embedded sqlite store and its experiment (idempotent)."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    root = artifact_root.as_uri()
    store = SqlAlchemyStore(tracking_uri, default_artifact_root=root)
    try:
        if store.get_experiment_by_name(experiment_name) is None:
            store.create_experiment(experiment_name, artifact_location=root)
    finally:
        store.engine.dispose()
_UNREACHABLE = (MlflowException, requests.RequestException, OSError)
_NOT_FOUND = {"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"}


@dataclass(frozen=True)
class VersionInfo:
    version: str
    run_id: str | None
    aliases: tuple[str, ...]
    created_ms: int
    tags: dict[str, str]


class ModelRegistry:
    def __init__(self, tracking_uri: str, model_name: str, cache_dir: Path,
                 artifact_root: Path | None = None, experiment_name: str = "leadstream",
                 timeout_s: float = 5.0):
        self.tracking_uri = tracking_uri
        self.model_name = model_name
        self.artifact_root = artifact_root
        self.experiment_name = experiment_name
        self.timeout_s = timeout_s
        self.cache = ModelCache(cache_dir, model_name)
        if tracking_uri.startswith("sqlite:///"):
            Path(tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)

    def register(self, trained: TrainedModel, profile: ReferenceProfile | None,
                 alias: str | None = None, tags: Mapping[str, str] | None = None) -> str:
        """Log a run, register it as a new version, set ``alias``; returns the version."""
        with self._connect(timeout_s=max(self.timeout_s, 60.0)) as client:
            with mlflow.start_run(experiment_id=self._experiment_id(client)) as run:
                mlflow.log_params({k: str(v) for k, v in trained.params.items()})
                mlflow.log_metrics(trained.metrics.scalars())
                run_tags = {"data_hash": trained.data_hash, "spec_name": trained.spec.name,
                            "spec_fingerprint": trained.spec.fingerprint(), **(tags or {})}
                mlflow.set_tags(run_tags)
                mlflow.log_dict(json.loads(trained.spec.to_json()), f"{ARTIFACTS}/spec.json")
                mlflow.log_dict({"rows": trained.metrics.calibration_rows()},
                                f"{ARTIFACTS}/calibration.json")
                if profile is not None:
                    mlflow.log_text(profile.model_dump_json(indent=2),
                                    f"{ARTIFACTS}/reference_profile.json")
                info = mlflow.xgboost.log_model(
                    trained.booster, name="model", model_format="ubj",
                    signature=_signature(trained), registered_model_name=self.model_name,
                    pip_requirements=[f"xgboost=={xgb.__version__}"])
            version = str(info.registered_model_version)
            for key, value in run_tags.items():
                client.set_model_version_tag(self.model_name, version, key, value)
            if alias:
                client.set_registered_model_alias(self.model_name, alias, version)
        self.cache.store(version, trained.booster, trained.spec, profile, run.info.run_id)
        if alias:
            self.cache.remember_alias(alias, version)
        return version

    def load(self, alias: str = "champion") -> ServingModel:
        """The version ``alias`` points to; from the cache if MLflow cannot be reached."""
        try:
            version = self.alias_version(alias)
        except _UNREACHABLE as exc:
            log.warning("MLflow at %s unreachable (%s): loading %s@%s from the cache %s",
                        self.tracking_uri, _short(exc), self.model_name, alias, self.cache.root)
            return self.cache.load_alias(alias)
        if version is None:
            raise ModelUnavailable(f"registry {self.tracking_uri} has no {self.model_name}@{alias}")
        return self.load_version(version, alias)

    def load_version(self, version: str, alias_label: str = "") -> ServingModel:
        """One version by number (cache first: versions are immutable)."""
        if not self.cache.has(version):
            try:
                self._download(version)
            except _UNREACHABLE as exc:
                raise ModelUnavailable(f"cannot load {self.model_name} v{version} from "
                                       f"{self.tracking_uri} and it is not cached: {exc}") from exc
        return self.cache.load(version, alias_label or f"v{version}")

    def alias_version(self, alias: str) -> str | None:
        """The version ``alias`` points to, or None; remembered in the cache."""
        with self._connect() as client:
            try:
                version = str(client.get_model_version_by_alias(self.model_name, alias).version)
            except MlflowException as exc:
                if exc.error_code not in _NOT_FOUND:
                    raise
                version = None
        self.cache.remember_alias(alias, version)
        return version

    def set_alias(self, alias: str, version: str) -> None:
        with self._connect() as client:
            client.set_registered_model_alias(self.model_name, alias, str(version))
        self.cache.remember_alias(alias, str(version))

    def delete_alias(self, alias: str) -> None:
        """Remove ``alias`` if it exists (the controller clears ``challenger`` this way)."""
        with self._connect() as client:
            if alias in client.get_registered_model(self.model_name).aliases:
                client.delete_registered_model_alias(self.model_name, alias)
        self.cache.remember_alias(alias, None)

    def versions(self) -> list[VersionInfo]:
        """Every version of the model, newest first."""
        with self._connect() as client:
            found = client.search_model_versions(f"name='{self.model_name}'")
            aliases = client.get_registered_model(self.model_name).aliases if found else {}
        by_version: dict[str, list[str]] = {}
        for alias, number in aliases.items():
            by_version.setdefault(str(number), []).append(alias)
        return sorted((VersionInfo(str(v.version), v.run_id,
                                   tuple(sorted(by_version.get(str(v.version), ()))),
                                   int(v.creation_timestamp or 0), dict(v.tags or {}))
                       for v in found), key=lambda v: int(v.version), reverse=True)

    def _download(self, version: str) -> None:
        with self._connect() as client:
            run_id = client.get_model_version(self.model_name, version).run_id
            booster = mlflow.xgboost.load_model(f"models:/{self.model_name}/{version}")
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(mlflow.artifacts.download_artifacts(
                    run_id=run_id, artifact_path=ARTIFACTS, dst_path=tmp))
                spec = FeatureSpec.model_validate_json((folder / "spec.json").read_text())
                prof = folder / "reference_profile.json"
                profile = (ReferenceProfile.model_validate_json(prof.read_text())
                           if prof.is_file() else None)
        self.cache.store(version, booster, spec, profile, run_id)

    def _experiment_id(self, client: MlflowClient) -> str:
        found = client.get_experiment_by_name(self.experiment_name)
        if found is not None:
            return found.experiment_id
        location = None
        if self.artifact_root is not None and not self.tracking_uri.startswith("http"):
            self.artifact_root.mkdir(parents=True, exist_ok=True)
            location = self.artifact_root.resolve().as_uri()
        return client.create_experiment(self.experiment_name, artifact_location=location)

    @contextmanager
    def _connect(self, timeout_s: float | None = None) -> Iterator[MlflowClient]:
        env = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
               "MLFLOW_HTTP_REQUEST_TIMEOUT": str(int(timeout_s or self.timeout_s))}
        added = {k: v for k, v in env.items() if k not in os.environ}
        # mlflow.set_*_uri also export MLFLOW_TRACKING_URI / MLFLOW_REGISTRY_URI: put the
        # caller's environment back, so Settings read later in this process see their own
        kept = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
        os.environ.update(added)
        try:
            mlflow.set_tracking_uri(self.tracking_uri)
            mlflow.set_registry_uri(self.tracking_uri)
            yield MlflowClient(self.tracking_uri, self.tracking_uri)
        finally:
            for key in added:
                os.environ.pop(key, None)
            for key, value in kept.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _signature(trained: TrainedModel):
    import pandas as pd  # registering only: a scorer loading a version does not need it

    sample = {k: v[:100] for k, v in trained.holdout_columns.items()}
    matrix = FeatureEncoder(trained.spec).encode_columns(sample).matrix
    frame = pd.DataFrame(matrix, columns=list(trained.feature_names))
    return infer_signature(frame, trained.booster.inplace_predict(matrix))


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
