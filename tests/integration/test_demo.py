"""``make demo`` as a newcomer runs it: ``python -m streams.cli demo`` from a repo root.

The command runs as a subprocess from a copy of this working tree (so its relative
``.leadstream`` home is the copy's, never the developer's), with no ``LEADSTREAM_HOME`` and
no MLflow URI set: only the stack's ports are moved to a free test slot, so the demo starts
its own freshly formatted broker there. What it prints is checked, not what a class returns.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from streams.settings import Settings
from streams.stack import stack_down
from tests.integration.helpers import TIMING_MARGIN, closed_port
from tests.integration.reader_copy import copy_of_the_tree, slot_env

ROLLBACK_TARGET_S = 5.0
DASHBOARD_PORT = closed_port()


@pytest.fixture(scope="module")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the working tree's files (tracked and new, nothing git ignores)."""
    return copy_of_the_tree(tmp_path_factory.mktemp("demo-clone") / "leadstream")


@pytest.fixture(scope="module")
def demo_slot(demo_repo: Path, spare_stack: Callable[..., Settings]) -> Iterator[Settings]:
    """A free slot whose stack state lives where the demo's default home will be; the
    stack the demo leaves up is stopped when the module ends."""
    settings = spare_stack(home=demo_repo / ".leadstream")
    yield settings
    stack_down(settings)


def run_demo(repo: Path, slot: Settings, *args: str, columns: int | None = None
             ) -> subprocess.CompletedProcess[str]:
    """The demo with stdout to a pipe: no width limit, unless ``columns`` sets one (as an
    80-column terminal would)."""
    env = slot_env(slot, DASHBOARD_PORT)
    if columns is not None:
        env["COLUMNS"] = str(columns)
    done = subprocess.run([sys.executable, "-m", "streams.cli", "demo", *args], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=900)
    print(done.stdout, done.stderr, sep="\n--- stderr ---\n")
    return done


def test_demo_from_the_repo_root_with_default_settings(demo_repo: Path, demo_slot: Settings):
    done = run_demo(demo_repo, demo_slot, "--leads", "3000", "--rate", "3000", columns=80)
    text = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    # It ends with the address of the dashboard it started, which answers (then stopped).
    pid = int(re.search(r"Dashboard \(pid (\d+);", text).group(1))
    try:
        assert text.rstrip().splitlines()[-1].strip() == f"http://127.0.0.1:{DASHBOARD_PORT}/"
        overview = httpx.get(f"http://127.0.0.1:{DASHBOARD_PORT}/api/overview", timeout=10)
        assert overview.json()["title"].endswith(re.search(r"lead-scoring-demo-\d+",
                                                           text).group(0))
    finally:
        os.kill(pid, signal.SIGTERM)
    assert "3,000 events in, 3,000 out" in text
    scored = sum(int(n.replace(",", "")) for n in
                 re.findall(r"scored [A-Z]\s+│\s+([\d,]+)", text))
    dead = sum(int(n.replace(",", "")) for n in
               re.findall(r"dead letter: \w+\s+│\s+([\d,]+)", text))
    assert scored > 2500 and dead > 0 and scored + dead == 3000
    assert re.search(r"engagement_score\s+│\s+[\d.]+\s+│\s+\S+\s+│\s+(warn|critical)", text)
    seconds = float(re.search(r"([\d.]+)s after the window closed", text).group(1))
    print(f"demo rollback: {seconds:.1f} s after the window closed (target "
          f"{ROLLBACK_TARGET_S:.0f} s, asserted <= {TIMING_MARGIN * ROLLBACK_TARGET_S:.0f} s)")
    assert seconds <= TIMING_MARGIN * ROLLBACK_TARGET_S
    assert re.search(r"serving champion v1\b", text)
    model = re.search(r"lead-scoring-demo-\d+", text).group(0)  # the next command to type
    assert f"`leadstream status --model {model}`" in " ".join(text.split())
    home = demo_repo / ".leadstream"  # the relative default, resolved once at the repo root
    assert (home / "mlflow" / "mlflow.db").is_file()
    assert not (home / "logs" / ".leadstream").exists()
    assert all(len(line) <= 80 for line in text.splitlines()), "demo output wider than 80"


def test_a_failing_demo_says_so_in_one_line_and_stops_its_children(
    demo_repo: Path, demo_slot: Settings, tmp_path: Path,
):
    """The scorer crashes (SIGKILL) as soon as it is started: the demo gives up at once,
    says so in one line, stops the agents and exits 1."""
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "demo", "--leads", "100"], cwd=demo_repo,
            env=slot_env(demo_slot, DASHBOARD_PORT), stdout=subprocess.PIPE, stderr=err, text=True)
        lines = []
        for line in proc.stdout:
            lines.append(line)
            pids = re.search(r"agents pid (\d+), scorer pid (\d+)", line)
            if pids:
                agents, scorer = map(int, pids.groups())
                os.kill(scorer, signal.SIGKILL)
                break
        rest, _ = proc.communicate(timeout=120)
    stdout, stderr = "".join(lines) + rest, errors.read_text()
    print(stdout, stderr, sep="\n--- stderr ---\n")
    assert pids, stdout
    assert proc.returncode == 1
    assert "Traceback" not in stdout + stderr
    failure = [line for line in stderr.splitlines() if "demo failed" in line]
    assert len(failure) == 1, stderr
    assert "ChildFailed" in failure[0]
    assert re.search(r"`leadstream score( --metrics-port \d+)?` exited early \(-9\)", failure[0])
    assert stderr.strip().splitlines()[-1] == failure[0]
    assert not _running(agents) and not _running(scorer)
    board = int((demo_repo / ".leadstream" / "dashboard.pid").read_text())
    assert not _running(board)  # the dashboard it started is stopped too
    assert "Traceback" in (demo_repo / ".leadstream" / "logs" / "demo.log").read_text()


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")
