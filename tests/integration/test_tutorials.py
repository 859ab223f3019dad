"""The tutorials run as written: every ```bash block of ``docs/tutorials/*.md``, in order.

Each page's blocks are joined into one script (``set -euo pipefail``: a failing command
fails the page) and run by bash from a copy of this working tree, as a reader runs them
from a fresh clone after bootstrap: ``leadstream`` on the PATH (this interpreter's
environment), no ``LEADSTREAM_*`` setting but the ports of a free test slot, the data sets
at ``../shared/datasets/`` beside the copy. Blocks fenced ```text (output), ```toml and
the like are not run: that is the convention for anything a reader should not type. The
pages run in the site's order (mkdocs.yml); each ends by stopping its stack.

Marked ``tutorials`` (and integration): ~5 min, in ``make test``; ``make tutorials`` runs
it alone.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from streams.settings import Settings
from streams.stack import stack_down
from tests.integration.helpers import closed_port
from tests.integration.reader_copy import copy_of_the_tree, slot_env

REPO = Path(__file__).resolve().parents[2]
TUTORIALS = REPO / "docs" / "tutorials"
PAGE_TIMEOUT_S = 900
DATASET = "x-education-leads.csv"
DASHBOARD_PORT = closed_port()

pytestmark = pytest.mark.tutorials


def bash_blocks(markdown: str) -> list[str]:
    """The ```bash fenced blocks of a page, in order (other fences are never run)."""
    return re.findall(r"^```bash[ \t]*\n(.*?)^```[ \t]*$", markdown, re.M | re.S)


def tutorial_pages() -> list[Path]:
    """The tutorials in the site's order: as mkdocs.yml lists them, then any other."""
    listed = re.findall(r"tutorials/([\w.-]+\.md)", (REPO / "mkdocs.yml").read_text())
    pages = [TUTORIALS / name for name in listed if (TUTORIALS / name).exists()]
    return pages + sorted(set(TUTORIALS.glob("*.md")) - set(pages))


def _datasets() -> Path | None:
    for parent in REPO.parents:
        if (parent / "shared" / "datasets" / DATASET).is_file():
            return parent / "shared" / "datasets"
    return None


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the working tree's files, with ``../shared/datasets`` beside it."""
    root = copy_of_the_tree(tmp_path_factory.mktemp("tutorials") / "leadstream")
    datasets = _datasets()
    if datasets is not None:
        (root.parent / "shared").mkdir()
        (root.parent / "shared" / "datasets").symlink_to(datasets)
    return root


@pytest.fixture(scope="module")
def slot(clone: Path, spare_stack: Callable[..., Settings]) -> Iterator[Settings]:
    """The tutorials' slot; its stack is stopped when the module ends (not the session:
    a broker left idle costs the tests after it a JVM's memory)."""
    settings = spare_stack(home=clone / ".leadstream")
    yield settings
    stack_down(settings)


def reader_env(slot: Settings) -> dict[str, str]:
    """A reader's shell: no leadstream or MLflow setting, the slot's ports, the venv's bin."""
    env = slot_env(slot, DASHBOARD_PORT)
    return {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"}


def test_bash_blocks_are_found_and_other_fences_are_not() -> None:
    page = "```bash\na\n```\n```text\nb\n```\n```console\nc\n```\n```bash\nd\ne\n```\n"
    assert bash_blocks(page) == ["a\n", "d\ne\n"]


@pytest.mark.parametrize("page", tutorial_pages(), ids=lambda p: p.stem)
def test_a_tutorial_runs_as_written(page: Path, clone: Path, slot: Settings) -> None:
    blocks = bash_blocks(page.read_text())
    if not blocks:
        pytest.skip(f"{page.name} has no bash block (a placeholder)")
    if "../shared/datasets" in "".join(blocks) and _datasets() is None:
        pytest.skip(f"{page.name} reads ../shared/datasets/{DATASET}, not found")
    script = "set -euo pipefail\n" + "\n".join(blocks)
    started = time.monotonic()
    proc = subprocess.Popen(["bash", "-c", script], cwd=clone, env=reader_env(slot),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=PAGE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        pytest.fail(f"{page.name} ran longer than {PAGE_TIMEOUT_S} s:\n{output[-4000:]}")
    finally:
        _stop_leftovers(proc.pid, clone, slot)
    print(f"{page.name}: {len(blocks)} blocks, {time.monotonic() - started:.0f} s\n{output}")
    assert proc.returncode == 0, f"{page.name} failed:\n{output[-4000:]}"
    assert "Traceback" not in output


def _stop_leftovers(group: int, clone: Path, slot: Settings) -> None:
    """Whatever a failed page left running: its process group, the dashboard, the stack."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    board = clone / ".leadstream" / "dashboard.pid"
    if board.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(board.read_text()), signal.SIGTERM)
    subprocess.run([sys.executable, "-m", "streams.cli", "stack", "down"], cwd=clone,
                   env=reader_env(slot), capture_output=True, timeout=120)
