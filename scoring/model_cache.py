"""The on-disk model cache that lets a scorer start while MLflow is down.

Layout under ``cache_dir``::

    <model>/aliases.json            {"champion": "3", "challenger": "4"}  (last seen)
    <model>/<version>/model.ubj      the booster, XGBoost's own binary format
    <model>/<version>/spec.json      the trained feature spec
    <model>/<version>/profile.json   the reference profile (absent if none was logged)
    <model>/<version>/manifest.json  name, version, run id, spec fingerprint, cached_at

A version folder is written to a temporary sibling and renamed into place, so a reader
never sees half a model. Model names and versions must be one safe path segment
(:func:`schemas.names.check_segment`: no separators, no ``..``), else
:class:`ModelUnavailable`: nothing is read or written outside ``cache_dir``. Versions
are immutable in MLflow, so a cached one never goes stale; only the alias map changes.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from schemas.errors import ModelUnavailable
from schemas.names import check_segment
from schemas.profile import ReferenceProfile
from schemas.spec import FeatureSpec
from scoring.booster import xgb
from scoring.model import ServingModel


class ModelCache:
    def __init__(self, cache_dir: Path, model_name: str):
        self.root = Path(cache_dir) / _safe(model_name, "model name")
        self.model_name = model_name

    def has(self, version: str) -> bool:
        return (self.root / _safe(version, "model version") / "manifest.json").is_file()

    def store(
        self, version: str, booster: xgb.Booster, spec: FeatureSpec,
        profile: ReferenceProfile | None, run_id: str | None,
    ) -> Path:
        """Write one version atomically (a no-op if it is already cached)."""
        final = self.root / _safe(version, "model version")
        if self.has(version):
            return final
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=self.root))
        booster.save_model(tmp / "model.ubj")
        (tmp / "spec.json").write_text(spec.to_json())
        if profile is not None:
            (tmp / "profile.json").write_text(profile.model_dump_json(indent=2))
        manifest = {"name": self.model_name, "version": version, "run_id": run_id,
                    "spec_fingerprint": spec.fingerprint(), "cached_at": time.time()}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        if final.exists():  # a stale partial folder from a crash
            shutil.rmtree(final)
        os.replace(tmp, final)
        return final

    def load(self, version: str, alias: str) -> ServingModel:
        folder = self.root / _safe(version, "model version")
        if not self.has(version):
            raise ModelUnavailable(f"{self.model_name} v{version} is not in the cache {self.root}")
        manifest = json.loads((folder / "manifest.json").read_text())
        booster = xgb.Booster()
        booster.load_model(folder / "model.ubj")
        spec = FeatureSpec.model_validate_json((folder / "spec.json").read_text())
        profile_file = folder / "profile.json"
        profile = (ReferenceProfile.model_validate_json(profile_file.read_text())
                   if profile_file.is_file() else None)
        return ServingModel(name=self.model_name, version=version, alias=alias, booster=booster,
                            spec=spec, profile=profile, run_id=manifest.get("run_id"))

    def aliases(self) -> dict[str, str]:
        path = self.root / "aliases.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def remember_alias(self, alias: str, version: str | None) -> None:
        """Record what the registry said an alias points to (``None``: it points nowhere)."""
        aliases = self.aliases()
        if version is None:
            aliases.pop(alias, None)
        else:
            aliases[alias] = version
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".aliases.{os.getpid()}.json"
        tmp.write_text(json.dumps(aliases, indent=2, sort_keys=True))
        os.replace(tmp, self.root / "aliases.json")

    def load_alias(self, alias: str) -> ServingModel:
        version = self.aliases().get(alias)
        if version is None:
            raise ModelUnavailable(
                f"the cache {self.root} has no record of {self.model_name}@{alias}")
        return self.load(version, alias)


def _safe(value: str, what: str) -> str:
    try:
        return check_segment(value, what)
    except ValueError as exc:
        raise ModelUnavailable(str(exc)) from exc
