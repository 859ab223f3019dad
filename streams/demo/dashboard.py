"""The demo's dashboard: started as a child that outlives the demo (like the stack), so
the run ends with an address to open. A dashboard a previous demo left running (its pid in
``<home>/dashboard.pid``) is stopped first: it showed that run's model, and holds the port."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx

from streams.settings import Settings
from streams.stack.children import LeadstreamProcess


def _pid_file(settings: Settings) -> Path:
    return settings.home.resolve() / "dashboard.pid"


def stop_previous(settings: Settings) -> None:
    """SIGTERM the dashboard the last demo started, if it still runs (ours, by its pid)."""
    path = _pid_file(settings)
    try:
        pid = int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return
    path.unlink(missing_ok=True)
    try:
        if "dashboard" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
            os.kill(pid, signal.SIGTERM)
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return


def start(settings: Settings, logs: Path) -> LeadstreamProcess:
    """``leadstream dashboard`` as a child; its pid kept for the next demo."""
    stop_previous(settings)
    child = LeadstreamProcess(["dashboard"], settings, logs / "dashboard.log")
    _pid_file(settings).write_text(str(child.proc.pid))
    return child


def url(settings: Settings) -> str:
    return f"http://{settings.dashboard_host}:{settings.dashboard_port}/"


def wait_answering(settings: Settings, child: LeadstreamProcess, timeout_s: float = 30) -> None:
    """Until the dashboard answers (raises :class:`ChildFailed` if it exited)."""
    deadline = time.monotonic() + timeout_s
    while True:
        child.check_alive()
        try:
            if httpx.get(url(settings) + "api/overview", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)
