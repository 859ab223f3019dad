"""Each process reads the parts of the settings :data:`streams.settings.PROCESSES` says, and
each part holds what its processes read: checked on the source (parsed, never imported) by
the attributes read off a ``Settings`` in each process's packages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from streams.settings import PROCESSES, SHARED, Settings
from streams.settings.part import SettingsPart

ROOT = Path(__file__).resolve().parents[3]
CODE: dict[str, tuple[str, ...]] = {
    "scorer": ("streams/scorer", "streams/cli/score.py"),
    "agents": ("streams/agents", "streams/monitor", "streams/alerting", "streams/cli/agents.py"),
    "sink": ("streams/sink", "streams/cli/sink.py"),
    "dashboard": ("streams/dashboard", "streams/cli/dashboard.py"),
    "stack": ("streams/stack", "streams/cli/stack.py"),
    "cli": ("streams/cli", "streams/training", "streams/diagnose"),
}
"""The packages (or modules) only that process runs; ``cli`` is every other command."""
ADAPTERS = ("streams/kafka", "streams/stores", "streams/control", "streams/crm")
"""Adapters several processes share: their reads count for whichever process uses them."""
RECEIVERS = {"settings", "s", "self.s", "self._s", "self.settings", "self._settings"}
"""How the code names the one :class:`Settings` it was handed."""


def _files(paths: tuple[str, ...], skip: tuple[str, ...] = ()) -> list[Path]:
    out: list[Path] = []
    for rel in paths:
        path = ROOT / rel
        out.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return [p for p in out if not any(p.is_relative_to(ROOT / s) for s in skip)]


def _reads(files: list[Path]) -> set[str]:
    """The attributes read off a settings object in ``files`` (and, for a property of the
    settings read there, the fields that property reads)."""
    names: set[str] = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and ast.unparse(node.value) in RECEIVERS:
                names.add(node.attr)
    return names | {f for n in names for f in DERIVED.get(n, ())}


def _derived() -> dict[str, set[str]]:
    """Property or method of a part → the fields it reads off ``self``."""
    out: dict[str, set[str]] = {}
    for path in sorted((ROOT / "streams/settings").glob("*.py")):
        for fn in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(fn, ast.FunctionDef) and not fn.name.startswith("_"):
                out.setdefault(fn.name, set()).update(
                    n.attr for n in ast.walk(fn)
                    if isinstance(n, ast.Attribute) and ast.unparse(n.value) == "self")
    return out


DERIVED = _derived()


def _members(part: type[SettingsPart]) -> set[str]:
    """Fields, properties and methods a part declares (inherited ones excluded)."""
    own = set(vars(part)) - set(vars(SettingsPart))
    return {n for n in own if not n.startswith("_")} | set(part.model_fields)


def _process_files(process: str) -> list[Path]:
    others = tuple(p for other, paths in CODE.items() if other != process for p in paths
                   if process == "cli" and p.startswith("streams/cli/"))
    return _files(CODE[process], skip=others)


ALL_MEMBERS = {n for part in Settings.__mro__ if isinstance(part, type)
               and issubclass(part, SettingsPart) for n in _members(part)}


@pytest.mark.parametrize("process", sorted(CODE))
def test_a_process_reads_only_the_parts_it_is_said_to_read(process: str) -> None:
    read = _reads(_process_files(process)) & ALL_MEMBERS
    allowed = {n for part in PROCESSES[process] for n in _members(part)}
    assert sorted(read - allowed) == []


@pytest.mark.parametrize("part", sorted({p for parts in PROCESSES.values() for p in parts}
                                        - set(SHARED), key=lambda p: p.__name__),
                         ids=lambda p: p.__name__)
def test_every_setting_of_a_process_part_is_read_by_a_process_that_reads_the_part(
        part: type[SettingsPart]) -> None:
    readers = [p for p, parts in PROCESSES.items() if part in parts]
    files = [f for p in readers for f in _process_files(p)] + _files(ADAPTERS)
    assert sorted(set(part.model_fields) - _reads(files)) == []


def test_every_shared_setting_is_read_by_two_processes_or_more() -> None:
    shared = {n for part in SHARED for n in part.model_fields}
    by_process = {p: _reads(_process_files(p) + _files(ADAPTERS)) for p in CODE}
    once = sorted(n for n in shared if sum(n in reads for reads in by_process.values()) < 2)
    assert once == []


def test_each_setting_lives_in_exactly_one_part() -> None:
    parts = [p for p in Settings.__mro__[1:] if isinstance(p, type)
             and issubclass(p, SettingsPart) and p is not SettingsPart]
    seen: dict[str, str] = {}
    twice = []
    for part in parts:
        for name in vars(part).get("__annotations__", {}):
            if name in seen:
                twice.append(f"{name}: {seen[name]} and {part.__name__}")
            seen[name] = part.__name__
    assert twice == []
    assert set(seen) == set(Settings.model_fields)
