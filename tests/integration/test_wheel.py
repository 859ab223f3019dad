"""The package as a user installs it: ``python -m build`` makes the wheel, which installs
into a clean virtualenv with the committed lock as constraints (only the base
dependencies: what every process needs), and ``leadstream --version`` there prints the
version of the package metadata, i.e. of ``pyproject.toml``.

Marked ``packaging`` (no Kafka needed; ~1 min from pip's cache, in ``make test``).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

from tests.integration.reader_copy import copy_of_the_tree

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.packaging


def test_the_wheel_installs_into_a_clean_venv_and_knows_its_version(tmp_path: Path) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    source = copy_of_the_tree(tmp_path / "source")  # setuptools writes build/ beside it
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"),
                    str(source)], check=True, capture_output=True, timeout=600)
    (wheel,) = (tmp_path / "dist").glob("leadstream-*.whl")
    assert wheel.name.startswith(f"leadstream-{version}-")
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel),
                    "-c", str(ROOT / "requirements.lock")], check=True, timeout=900)
    shown = subprocess.run([str(tmp_path / "venv" / "bin" / "leadstream"), "--version"],
                           capture_output=True, text=True, check=True, timeout=60,
                           cwd=tmp_path).stdout
    assert shown.strip() == f"leadstream, version {version}"


def test_the_lock_pins_every_dependency_the_project_names() -> None:
    """Every requirement of pyproject.toml (base and extras) is pinned in
    requirements.lock (``make lock`` after changing pyproject.toml)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    named = [*project["dependencies"],
             *(r for extra in project["optional-dependencies"].values() for r in extra)]
    wanted = {_name(r) for r in named if not r.startswith("leadstream")}
    pinned = {_name(line.split("==")[0]) for line in
              (ROOT / "requirements.lock").read_text().splitlines() if "==" in line
              and not line.startswith((" ", "#"))}
    assert sorted(wanted - pinned) == []


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")
