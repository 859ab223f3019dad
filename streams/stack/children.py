"""leadstream commands in child processes, for the demo, the benchmarks and the tests.

A child sees the parent's :class:`Settings` through ``LEADSTREAM_*`` variables (the one way
settings travel between processes), writes to its own log file, and is stopped with SIGTERM
(clean shutdown) or SIGKILL (a real crash).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from confluent_kafka import ConsumerGroupState, KafkaException
from confluent_kafka.admin import AdminClient
from pydantic import SecretStr

from schemas.errors import LeadstreamError
from streams.kafka.client_log import client_log
from streams.kafka.transient import is_transient
from streams.settings import Settings
from streams.stack.alertmanager import ALERTMANAGER

REPO = Path(__file__).resolve().parents[2]


class ChildFailed(LeadstreamError):
    """A child process did not exit in time, or exited when it should have run on."""


def settings_env(settings: Settings, **overrides: object) -> dict[str, str]:
    """This process's environment with ``settings`` (plus overrides) as LEADSTREAM_* vars;
    with no Alertmanager URL set, the local stack's one if it runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADSTREAM_", "MLFLOW_"))}
    if not settings.alertmanager_url and ALERTMANAGER.pid(settings) is not None:
        overrides = {"alertmanager_url": ALERTMANAGER.url(settings), **overrides}
    for name, value in {**settings.model_dump(exclude_none=True), **overrides}.items():
        if isinstance(value, SecretStr):  # the child needs the secret, not its mask
            value = value.get_secret_value()
        env["LEADSTREAM_" + name.upper()] = (
            json.dumps(value) if isinstance(value, dict) else str(value))
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def group_assigned(admin: AdminClient, group_id: str) -> bool:
    """True when the consumer group is stable with partitions assigned to its members
    (False while its coordinator is still loading or the broker is briefly unreachable;
    other errors are raised)."""
    try:
        group = admin.describe_consumer_groups([group_id])[group_id].result(10)
    except KafkaException as exc:
        if not is_transient(exc):
            raise
        return False
    return group.state == ConsumerGroupState.STABLE and any(
        m.assignment.topic_partitions for m in group.members)


class LeadstreamProcess:
    """``leadstream ARGS...`` as a child process with its own log file."""

    def __init__(self, args: Sequence[str], settings: Settings, log: Path, **env: object):
        self.args = list(args)
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        self._out = log.open("ab")
        self._start = self._out.tell()  # the log is appended to: this run's output begins here
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", *self.args], cwd=log.parent,
            env=settings_env(settings, **env), stdout=self._out, stderr=subprocess.STDOUT)
        self.peak_rss_mb = 0.0

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def text(self) -> str:
        self._out.flush()
        return self.log.read_text(errors="replace")

    def tail(self, chars: int = 3000) -> str:
        return self.text()[-chars:]

    def last_line(self) -> str:
        """The last non-empty line this run wrote to the log (what a failing command said
        last)."""
        self._out.flush()
        with self.log.open("rb") as log:
            log.seek(self._start)
            lines = [line for line in log.read().decode(errors="replace").splitlines()
                     if line.strip()]
        return lines[-1].strip()[:300] if lines else "(no output)"

    def sample_rss(self) -> float:
        """Peak resident memory so far (VmHWM), in MB."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            return self.peak_rss_mb
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self.peak_rss_mb = max(self.peak_rss_mb, int(line.split()[1]) / 1024)
        return self.peak_rss_mb

    def wait(self, timeout_s: float) -> int:
        """The exit code; past the deadline the child is killed and :class:`ChildFailed`."""
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill9()
            raise ChildFailed(
                f"`leadstream {' '.join(self.args)}` did not exit in {timeout_s:.0f}s; "
                f"log {self.log}:\n{self.tail()}") from None

    def terminate(self, timeout_s: float = 30.0) -> int:
        """SIGTERM (a clean shutdown) and wait for the exit code."""
        if self.alive:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait(timeout_s)

    def kill9(self) -> None:
        """SIGKILL: the process gets no chance to clean up, as in a crash."""
        if self.alive:
            self.proc.kill()
        self.proc.wait(10)

    def check_alive(self) -> None:
        """:class:`ChildFailed` (first line: what it said last) if the child has exited."""
        if not self.alive:
            raise ChildFailed(f"`leadstream {' '.join(self.args)}` exited early "
                              f"({self.proc.returncode}): {self.last_line()}; log {self.log}"
                              f"\n{self.tail()}")

    def wait_consuming(self, settings: Settings, timeout_s: float = 120.0) -> None:
        """Poll until the consumer group ``settings.consumer_group`` is stable with partitions
        assigned (so events produced from now on are consumed at once)."""
        admin = AdminClient({**settings.kafka_config(), **client_log()})
        group_id = settings.consumer_group
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.check_alive()
            self.sample_rss()
            if group_assigned(admin, group_id):
                return
            time.sleep(0.2)
        raise ChildFailed(f"consumer group {group_id}: no partitions assigned in "
                          f"{timeout_s:.0f}s; log {self.log}")

    def __enter__(self) -> LeadstreamProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.alive:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill9()
        self._out.close()
