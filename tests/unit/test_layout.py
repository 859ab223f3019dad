"""The house rules of the layout, checked on the source tree itself (parsed, never imported).

- the pure core (``schemas``, ``scoring``, ``monitors``) imports no Kafka, Redis or faust
  client and nothing of ``streams``; ``schemas`` imports nothing of ours; only
  ``scoring/registry.py`` imports MLflow;
- ``streams/`` keeps its concepts in packages: at most five modules directly in it;
- one ``scorer.py`` at most in the whole project;
- no import circle between modules (imports at module level, as Python runs them).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("schemas", "scoring", "monitors", "streams")
CLIENTS = ("confluent_kafka", "aiokafka", "faust", "redis", "mlflow")


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


MODULES = _modules()


def _imports(path: Path, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _internal(names: set[str]) -> set[str]:
    return {n for n in names if n in MODULES}


@pytest.mark.parametrize("core", ["schemas", "scoring", "monitors"])
def test_the_core_imports_no_client_and_no_shell(core: str) -> None:
    offenders = []
    for name, path in MODULES.items():
        if not name.startswith(core):
            continue
        for imported in _imports(path, top_level_only=False):
            top = imported.split(".")[0]
            allowed_mlflow = name == "scoring.registry" and top == "mlflow"
            if (top in CLIENTS and not allowed_mlflow) or top == "streams":
                offenders.append(f"{name} imports {imported}")
            if core == "schemas" and top in ("scoring", "monitors"):
                offenders.append(f"{name} imports {imported}")
    assert offenders == []


def test_streams_keeps_its_concepts_in_packages() -> None:
    direct = sorted(p.name for p in (ROOT / "streams").glob("*.py"))
    assert len(direct) <= 5, direct


def test_a_package_that_names_its_modules_names_them_all() -> None:
    """A package face whose ``__all__`` lists modules lists every one of them (a stale list
    hides a module from whoever reads the face)."""
    stale = []
    for init in sorted(ROOT.glob("*/**/__init__.py")):
        if init.parts[len(ROOT.parts)] not in PACKAGES:
            continue
        names = next((set(ast.literal_eval(node.value)) for node in ast.parse(init.read_text()).body
                      if isinstance(node, ast.Assign)
                      and any(getattr(t, "id", None) == "__all__" for t in node.targets)), None)
        here = init.parent
        modules = ({p.stem for p in here.glob("*.py")} - {"__init__", "__main__"}) | {
            p.name for p in here.iterdir() if (p / "__init__.py").exists()}
        if names and names <= modules and names != modules:
            stale.append(f"{here.relative_to(ROOT)}: {sorted(modules - names)} not in __all__")
    assert stale == []


def test_one_scorer_py_at_most() -> None:
    found = [p for p in ROOT.rglob("scorer.py") if not {".venv", "mutants"} & set(p.parts)]
    assert len(found) <= 1, found


def test_no_import_circle() -> None:
    graph = {name: _internal(_imports(path, top_level_only=True)) - {name}
             for name, path in MODULES.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


ARCHITECTURE = ROOT / "docs" / "concepts" / "architecture.md"


def _architecture_rows() -> dict[str, set[str]]:
    """Package → the modules its row of the docs' architecture table names."""
    rows = {}
    for line in ARCHITECTURE.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == 4 and cells[0].startswith("`") and cells[0].endswith("/`"):
            rows[cells[0].strip("`").rstrip("/")] = set(re.findall(r"`([^`]+)`", cells[2]))
    return rows


def _tree_packages() -> dict[str, set[str]]:
    """Package → its modules (``name``) and sub-packages (``name/``), from the tree."""
    out = {}
    for pkg in PACKAGES:
        for init in (ROOT / pkg).rglob("__init__.py"):
            here = init.parent
            out[str(here.relative_to(ROOT))] = (
                {p.stem for p in here.glob("*.py")} - {"__init__", "__main__"}) | {
                f"{p.name}/" for p in here.iterdir() if (p / "__init__.py").exists()}
    return out


def test_the_docs_architecture_table_matches_the_tree() -> None:
    """Every package has a row, every row is a package, and each row's modules column names
    exactly the modules and sub-packages in it (docs/concepts/architecture.md)."""
    table, tree = _architecture_rows(), _tree_packages()
    assert sorted(set(tree) - set(table)) == [], "packages missing from the table"
    assert sorted(set(table) - set(tree)) == [], "rows of packages that do not exist"
    wrong = {pkg: {"missing": sorted(tree[pkg] - table[pkg]),
                   "not in the tree": sorted(table[pkg] - tree[pkg])}
             for pkg in tree if tree[pkg] != table[pkg]}
    assert wrong == {}


def test_the_docs_name_every_module_that_imports_mlflow() -> None:
    line = next(x for x in ARCHITECTURE.read_text().splitlines()
                if x.startswith("Modules that import MLflow:"))
    named = set(re.findall(r"`([^`]+\.py)`", line))
    importing = {str(path.relative_to(ROOT)) for path in MODULES.values()
                 if any(n.split(".")[0] == "mlflow" for n in _imports(path, top_level_only=False))}
    assert named == importing
