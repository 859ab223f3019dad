"""The processes under test: environment, log file, peak RSS, waiting for their partitions."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from confluent_kafka.admin import AdminClient

from streams.settings import Settings
from streams.stack.children import group_assigned, settings_env


class Child:
    """A process under test: its own log file, peak RSS sampled from /proc (VmHWM)."""

    def __init__(self, cmd: list[str], settings: Settings, log: Path):
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(cmd, cwd=settings.home, env=settings_env(settings),
                                         stdout=out, stderr=subprocess.STDOUT)
        self.peak_rss_mb = 0.0

    def sample_rss(self) -> None:
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self.peak_rss_mb = max(self.peak_rss_mb, int(line.split()[1]) / 1024)

    def wait(self, timeout_s: float, tick: Callable[[], None] = lambda: None) -> int:
        """Wait for the exit (sampling RSS, calling ``tick``); kill and raise past the limit."""
        deadline = time.monotonic() + timeout_s
        while self.proc.poll() is None:
            self.sample_rss()
            tick()
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"{self.log.name}: no exit in {timeout_s:.0f} s\n{self.tail()}")
            time.sleep(0.1)
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def tail(self, n: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-n:]


def wait_assigned(s: Settings, child: Child, timeout_s: float) -> None:
    """Poll until the child's consumer group is stable with partitions assigned."""
    admin = AdminClient(s.kafka_config())
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if child.proc.poll() is not None:
            raise RuntimeError(f"{child.log.name}: exited early\n{child.tail()}")
        child.sample_rss()
        if group_assigned(admin, s.consumer_group):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{child.log.name}: no partitions assigned in {timeout_s:.0f} s")
