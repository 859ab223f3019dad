"""The scorer's start path imports no MLflow, pandas, scikit-learn, nor scipy beyond XGBoost's.

A fresh interpreter imports the ``leadstream score`` process module and builds the first
plan the way :func:`~streams.scorer.build.build_scorer` does, from the disk cache: once for
a serving record (``models.control``) naming the cached versions, once for the cached
champion alias (which a background thread then confirms with MLflow: the registry must be
asked there). What it imported is read from the interpreter itself (``sys.modules``; the
``-X importtime`` log also lists an import that failed, such as the scikit-learn
:mod:`scoring.booster` hides). XGBoost imports
``scipy.sparse`` whatever we do: the scipy modules a bare ``scoring.booster`` import loads
are the allowance, nothing more.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scoring.model import ServingModel
from streams.scorer.startup import LazyRegistry
from streams.settings import Settings

FORBIDDEN = ("mlflow", "pandas", "sklearn", "scipy")

START = """
import json, sys
from datetime import datetime, timezone
from pathlib import Path

import streams.cli.score  # the process: logging, metrics, the composition root, the loop
from schemas.control import ServingConfig, ServingMode
from streams.scorer.build import initial_plan
from streams.scorer.plans import PlanLoader
from streams.scorer.startup import LazyRegistry
from streams.settings import Settings

settings = Settings(_env_file=None, home=Path(sys.argv[1]), model_name=sys.argv[2])
registry = LazyRegistry(settings)

def no_mlflow():
    raise AssertionError("MLflow was asked")

registry.get = no_mlflow
config = ServingConfig(model_name=sys.argv[2], champion_version="3", challenger_version="4",
                       mode=ServingMode.SHADOW, sequence=7, actor="test",
                       updated_at=datetime.now(timezone.utc))
plan, unconfirmed = initial_plan(registry, config)
assert (plan.champion.version, plan.challenger.version, unconfirmed) == ("3", "4", False)
PlanLoader(plan, registry.load_version).close()
plan, unconfirmed = initial_plan(registry, None)
assert (plan.champion.version, unconfirmed) == ("3", True)  # confirmed later, in a thread
print(json.dumps(sorted(sys.modules)))
"""


def _run(code: str, *args: str) -> set[str]:
    """The modules a fresh interpreter running ``code`` ends with."""
    done = subprocess.run([sys.executable, "-c", code, *args],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return set(json.loads(done.stdout.splitlines()[-1]))


def _top(modules: set[str], name: str) -> set[str]:
    return {m for m in modules if m == name or m.startswith(name + ".")}


def test_the_start_path_from_the_cache_imports_no_mlflow_pandas_sklearn_or_scipy(
        tmp_path: Path, tiny_model: ServingModel) -> None:
    settings = Settings(_env_file=None, home=tmp_path, model_name=tiny_model.name)
    cache = LazyRegistry(settings).cache
    for version in ("3", "4"):
        cache.store(version, tiny_model.booster, tiny_model.spec, tiny_model.profile, None)
    cache.remember_alias("champion", "3")

    started = _run(START, str(tmp_path), tiny_model.name)
    xgboost_only = _run("import json, sys, scoring.booster; "
                           "print(json.dumps(sorted(sys.modules)))")

    assert "streams.scorer.build" in started and "xgboost" in started  # it did start
    allowed = _top(xgboost_only, "scipy")
    for name in FORBIDDEN:
        extra = _top(started, name) - allowed
        assert not extra, f"the scorer's start imported {sorted(extra)[:5]}"


CONFIRM = """
import json, sys
from pathlib import Path

from streams.scorer.startup import LazyRegistry, confirm_champion
from streams.settings import Settings

settings = Settings(_env_file=None, home=Path(sys.argv[1]), model_name=sys.argv[2])
registry = LazyRegistry(settings)
served = registry.cached_champion()
swapped = []
confirm_champion(registry, served, swapped.append).join(300)
assert swapped == [], swapped  # the registry has no champion: the cached one stays
print(json.dumps(sorted(sys.modules)))
"""


def test_confirming_the_cached_champion_asks_mlflow_from_another_process(
        tmp_path: Path, tiny_model: ServingModel) -> None:
    """The background confirmation runs MLflow in a child (``champion_probe``): the scorer's
    own process never imports it (~110 MB of RSS, ``bench/README.md``, "Scorer memory")."""
    settings = Settings(_env_file=None, home=tmp_path, model_name=tiny_model.name)
    cache = LazyRegistry(settings).cache
    cache.store("3", tiny_model.booster, tiny_model.spec, tiny_model.profile, None)
    cache.remember_alias("champion", "3")

    confirmed = _run(CONFIRM, str(tmp_path), tiny_model.name)

    for name in ("mlflow", "pandas", "sqlalchemy"):
        assert not _top(confirmed, name), f"the scorer imported {name} to confirm"
    assert (tmp_path / "mlflow" / "mlflow.db").exists()  # MLflow was asked: by the child
