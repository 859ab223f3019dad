"""Detached service processes: spawn, pid files, liveness, graceful stop, waiting on readiness.

Services run in their own session so they outlive the CLI that started them. A pid file is
trusted only if the process behind it is alive and its command line still names the service
(a stale file after a reboot must not make us signal a stranger).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from schemas.errors import FatalError

POLL_S = 0.1
"""Sleep between two readiness or exit checks."""


class ServiceError(FatalError):
    """A local service failed to start, answer or stop."""


def _state(pid: int, task: str = "") -> str | None:
    """The /proc state letter of a process or one of its threads, or None if there is none."""
    try:
        stat = Path(f"/proc/{pid}{task}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _reap(pid: int) -> None:
    """Collect a dead child of ours so it stops being a zombie (others' children: no-op)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _threads_running(pid: int) -> bool:
    """True while any thread of ``pid`` is not yet a zombie.

    After SIGKILL a JVM's main thread turns zombie first; the other threads still hold its
    sockets and files until they exit too.
    """
    try:
        tasks = [t.name for t in Path(f"/proc/{pid}/task").iterdir()]
    except FileNotFoundError:
        return False
    return any(_state(pid, f"/task/{t}") not in (None, "Z") for t in tasks)


def is_alive(pid: int) -> bool:
    state = _state(pid)
    if state == "Z":
        if _threads_running(pid):
            return True
        _reap(pid)
        return False
    return state is not None


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def read_pid(pid_file: Path, marker: str) -> int | None:
    """The live pid recorded in ``pid_file`` whose command line contains ``marker``."""
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if is_alive(pid) and marker in cmdline(pid):
        return pid
    return None


def spawn(cmd: Sequence[str], log: Path, pid_file: Path, cwd: Path,
          umask: int = -1) -> int:
    """Start ``cmd`` detached (new session), stdout+stderr appended to ``log``; write the pid.
    ``umask``: the child's (e.g. ``0o077``: every file it creates is private), -1 ours."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True, close_fds=True, umask=umask,
        )
    pid_file.write_text(f"{proc.pid}\n")
    return proc.pid


def terminate(pid: int, timeout_s: float) -> bool:
    """SIGTERM, wait up to ``timeout_s``, then SIGKILL. True if it exited gracefully."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(POLL_S)
    kill(pid)
    return False


def kill(pid: int, timeout_s: float = 10.0) -> None:
    """SIGKILL and wait until the process is gone."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout_s
    while is_alive(pid):
        if time.monotonic() > deadline:
            raise ServiceError(f"process {pid} survived SIGKILL for {timeout_s:.0f}s")
        time.sleep(POLL_S)


def port_open(port: int, host: str = "127.0.0.1", timeout_s: float = 0.5) -> bool:
    """True if something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (the OS's pick)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_ready(
    what: str, ready: Callable[[], bool], pid: int, log: str, timeout_s: float
) -> float:
    """Poll ``ready()`` until it is true; return the seconds waited.

    Fails fast if the process dies, and names its log (``log``) on every failure.
    """
    start = time.monotonic()
    while True:
        if not is_alive(pid):
            raise ServiceError(f"{what} exited during start-up; see its log: {log}")
        if ready():
            return time.monotonic() - start
        if time.monotonic() - start > timeout_s:
            raise ServiceError(
                f"{what} did not answer within {timeout_s:.0f}s (pid {pid}); see its log: {log}"
            )
        time.sleep(POLL_S)
