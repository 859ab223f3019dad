"""A local HTTP daemon of the stack (Prometheus, Alertmanager): start it detached on
127.0.0.1, wait for ``/-/ready``, stop it, report it; pid, log and data in its folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from schemas.errors import FatalError
from streams.settings import Settings
from streams.stack.process import port_open, read_pid, spawn, terminate, wait_ready
from streams.stack.service import ServiceStatus

STOP_TIMEOUT_S = 20.0
PROBE_TIMEOUT_S = 1.0


def answers_ready(port: int, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """True if ``http://127.0.0.1:port/-/ready`` answers 200 (Prometheus, Alertmanager)."""
    try:
        return httpx.get(f"http://127.0.0.1:{port}/-/ready", timeout=timeout_s).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass(frozen=True)
class HttpService:
    """One daemon: its name, its folder under the stack dir, its port setting and command."""

    name: str
    port: Callable[[Settings], int]
    command: Callable[[Settings], Sequence[str]]
    """The command line (writes its config files first); binds ``127.0.0.1:<port>``."""
    port_setting: str

    def folder(self, settings: Settings) -> Path:
        return settings.stack_dir / self.name

    def log(self, settings: Settings) -> Path:
        return self.folder(settings) / f"{self.name}.log"

    def url(self, settings: Settings) -> str:
        return f"http://127.0.0.1:{self.port(settings)}"

    def pid(self, settings: Settings) -> int | None:
        return read_pid(self.folder(settings) / f"{self.name}.pid",
                        f"127.0.0.1:{self.port(settings)}")

    def start(self, settings: Settings) -> ServiceStatus:
        """Start unless it runs; wait until ``/-/ready`` answers. Idempotent."""
        if self.pid(settings) is not None:
            return self.status(settings)
        port = self.port(settings)
        if port_open(port):
            raise FatalError(f"port {port} is taken by another process; set "
                             f"{self.port_setting} to a free port")
        folder = self.folder(settings)
        folder.mkdir(parents=True, exist_ok=True)
        pid = spawn(self.command(settings), self.log(settings),
                    folder / f"{self.name}.pid", folder)
        waited = wait_ready(self.name, lambda: answers_ready(port), pid,
                            str(self.log(settings)), settings.stack_start_timeout_s)
        return self.status(settings, started=True, seconds=waited)

    def stop(self, settings: Settings) -> bool:
        """SIGTERM (then SIGKILL after a deadline). True if it ran."""
        pid = self.pid(settings)
        if pid is None:
            return False
        terminate(pid, STOP_TIMEOUT_S)
        (self.folder(settings) / f"{self.name}.pid").unlink(missing_ok=True)
        return True

    def status(self, settings: Settings, started: bool = False,
               seconds: float = 0.0) -> ServiceStatus:
        pid = self.pid(settings)
        state = "stopped"
        if pid is not None:
            state = "running" if answers_ready(self.port(settings)) else "not answering"
        return ServiceStatus(self.name, state, self.url(settings), pid, self.log(settings),
                             started=started, seconds=seconds)
