"""The scorer runs on ``pip install leadstream[scorer]``: every third-party module its code
imports comes with the base dependencies or the ``scorer`` extra (pyproject.toml).

The scorer's code is what ``leadstream score`` imports (module-level imports, followed
from its command module), plus every import, lazy ones included, inside the scorer's own
packages (``streams/scorer``, ``streams/kafka``, ``streams/stores``): that brings in the
MLflow adapter the scorer imports when it must ask the registry. What pip installs for
base + scorer is those requirements and, recursively, the requirements of each installed
distribution (extras of dependencies excluded).
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
OURS = ("schemas", "scoring", "monitors", "streams")
ENTRY = "streams.cli.score"
OWN_PACKAGES = ("streams/scorer/", "streams/kafka/", "streams/stores/")


def _file(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.exists():
            return path
    return None


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    lazy_too = path.relative_to(ROOT).as_posix().startswith(OWN_PACKAGES)
    names: list[str] = []
    for node in ast.walk(tree) if lazy_too else tree.body:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
    return names


def scorer_third_party() -> dict[str, str]:
    """Top-level third-party module -> one of our modules importing it."""
    seen: set[str] = set()
    found: dict[str, str] = {}
    todo = [ENTRY]
    while todo:
        module = todo.pop()
        path = _file(module)
        if module in seen or path is None:
            continue
        seen.add(module)
        parts = module.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # parent packages
        for name in _imports(path):
            top = name.split(".")[0]
            if top in OURS:
                todo.append(name)
            elif top not in sys.stdlib_module_names and top != "__future__":
                found.setdefault(top, module)
    return found


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_by(requirements: list[str]) -> set[str]:
    """The distributions pip installs for ``requirements`` (normalised names)."""
    env = default_environment()
    wanted, done = [Requirement(r) for r in requirements], set()
    while wanted:
        req = wanted.pop()
        if req.marker is not None and not req.marker.evaluate({**env, "extra": ""}):
            continue
        name = _norm(req.name)
        if name in done:
            continue
        done.add(name)
        wanted += [Requirement(r) for r in md.requires(req.name) or []]
    return done


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_every_module_the_scorer_imports_is_installed_by_base_and_the_scorer_extra() -> None:
    project = _project()
    installed = installed_by([*project["dependencies"],
                              *project["optional-dependencies"]["scorer"]])
    providers = md.packages_distributions()
    imported = scorer_third_party()
    assert {"confluent_kafka", "xgboost", "mlflow", "redis"} <= set(imported)  # it looked
    missing = {top: module for top, module in imported.items()
               if not {_norm(d) for d in providers.get(top, [])} & installed}
    assert not missing, f"imported by the scorer, not in base + [scorer]: {missing}"


def test_the_scorer_extra_carries_no_agent_runtime_and_dev_installs_every_extra() -> None:
    project = _project()
    extras = project["optional-dependencies"]
    scorer = installed_by([*project["dependencies"], *extras["scorer"]])
    assert "faust-streaming" not in scorer and "aiokafka" not in scorer
    assert {"scorer", "agents", "train", "dashboard"} <= set(extras)
    dev = {Requirement(r) for r in extras["dev"]}
    assert any(r.name == "leadstream" and r.extras == {"all"} for r in dev)
    (every,) = (Requirement(r) for r in extras["all"])
    assert every.extras == {"scorer", "agents", "train", "dashboard"}
