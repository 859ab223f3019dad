"""The local Redis: Debian's ``redis-server`` on 127.0.0.1, data and log under the stack dir.

Files under ``<stack_dir>/redis`` (0700; Redis runs with umask 077, so its files are 0600):
the append-only files ``appendonlydir/`` (:data:`PERSISTENCE`: no RDB snapshot; docs/how-to/
erase-a-lead.md says what they keep; the erasure agent has Redis rewrite them after an
erasure), ``redis.log``, ``redis.pid``, and for a secured stack ``users.acl`` (0600): the
default user off, the stack's own user (:data:`~streams.stack.credentials.REDIS_USER`) and
one user per principal with only the keys and commands of ``redis_acls.toml``
(:mod:`streams.stack.redis_acls`). Passwords are in that file as SHA-256 digests, never on
the command line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import redis

from schemas.errors import FatalError
from streams.settings import Settings
from streams.stack.certs import write_private
from streams.stack.credentials import REDIS_USER, load_credentials
from streams.stack.process import (
    ServiceError,
    kill,
    port_open,
    read_pid,
    spawn,
    terminate,
    wait_ready,
)
from streams.stack.redis_acls import acl_file
from streams.stack.service import ServiceStatus

STOP_TIMEOUT_S = 20.0

PERSISTENCE = ("--appendonly", "yes", "--appendfsync", "everysec", "--save", "")
"""The append-only file, fsynced once a second by a background thread (no fork), and no
RDB snapshots: a ``BGSAVE`` forks and copies the whole dataset every minute under load,
next to the scorer. A Redis crash loses at most the last second of writes. The AOF is
still rewritten (a fork) when it has doubled since the last rewrite (64 MB at least), and
after an erasure."""


def drop_stale_snapshot(folder: Path) -> None:
    """Delete a ``dump.rdb`` left by a stack that took snapshots: with the append-only
    file present Redis never reads or rewrites it, and it may hold erased leads."""
    if (folder / "appendonlydir").is_dir():
        (folder / "dump.rdb").unlink(missing_ok=True)


def redis_dir(settings: Settings) -> Path:
    return settings.stack_dir / "redis"


def log_file(settings: Settings) -> Path:
    return redis_dir(settings) / "redis.log"


def _pid_file(settings: Settings) -> Path:
    return redis_dir(settings) / "redis.pid"


def _marker(settings: Settings) -> str:
    # redis-server rewrites its command line to "<argv0> 127.0.0.1:<port>"
    return f"127.0.0.1:{settings.redis_port}"


def redis_server_path() -> str:
    """``redis-server`` on PATH; installed with apt-get when missing and we are root."""
    path = shutil.which("redis-server")
    if path:
        return path
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise FatalError("redis-server is not installed: run `apt-get install redis-server` "
                         "as root (or put a redis-server 7 on PATH)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "redis-server"]):
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
        if done.returncode != 0:
            raise ServiceError(f"`{' '.join(cmd)}` failed:\n{done.stdout}{done.stderr}")
    path = shutil.which("redis-server")
    if path is None:
        raise ServiceError("apt-get installed redis-server but it is not on PATH")
    return path


def redis_pid(settings: Settings) -> int | None:
    return read_pid(_pid_file(settings), _marker(settings))


def redis_answers(settings: Settings, timeout_s: float = 1.0) -> bool:
    """True if the local Redis answers PING."""
    creds = load_credentials(settings)
    login = {"username": REDIS_USER, "password": creds.redis} if creds else {}
    client = redis.Redis(host="127.0.0.1", port=settings.redis_port, **login,
                         socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
    try:
        return bool(client.ping())
    except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError):
        return False
    finally:
        client.close()


def start_redis(settings: Settings) -> ServiceStatus:
    """Start redis-server unless it runs; wait until it answers PING. Idempotent."""
    if redis_pid(settings) is not None:
        return status_redis(settings)
    if port_open(settings.redis_port):
        raise FatalError(f"port {settings.redis_port} is taken by another process; "
                         "set LEADSTREAM_REDIS_PORT (and LEADSTREAM_REDIS_URL) to a free port")
    folder = redis_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    private(folder)
    drop_stale_snapshot(folder)
    cmd = [redis_server_path(), "--bind", "127.0.0.1", "--port", str(settings.redis_port),
           "--dir", str(folder), "--logfile", str(log_file(settings)), "--daemonize", "no",
           *PERSISTENCE, *_acl_args(settings)]
    pid = spawn(cmd, folder / "redis.out", _pid_file(settings), folder, umask=0o077)
    waited = wait_ready("Redis", lambda: redis_answers(settings), pid,
                        str(log_file(settings)), settings.stack_start_timeout_s)
    private(folder)  # our own redis.out and redis.pid too
    return status_redis(settings, started=True, seconds=waited)


def private(folder: Path) -> None:
    """The data folder and everything in it readable by its owner only (files an older
    version wrote 0644; Redis itself runs with umask 077, so what it writes is 0600)."""
    folder.chmod(0o700)
    for path in folder.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


def _acl_args(settings: Settings) -> list[str]:
    """``--aclfile`` of a secured stack (written again on every start), else nothing."""
    creds = load_credentials(settings)
    if creds is None:
        return []
    acl = redis_dir(settings) / "users.acl"
    write_private(acl, acl_file(creds.redis_users, REDIS_USER, creds.redis).encode())
    return ["--aclfile", str(acl)]


def stop_redis(settings: Settings, force: bool = False) -> bool:
    """Stop redis-server (SIGTERM saves the data; ``force``: kill -9). True if it ran."""
    pid = redis_pid(settings)
    if pid is None:
        return False
    if force:
        kill(pid)
    else:
        terminate(pid, STOP_TIMEOUT_S)
    _pid_file(settings).unlink(missing_ok=True)
    return True


def status_redis(settings: Settings, started: bool = False, seconds: float = 0.0) -> ServiceStatus:
    pid = redis_pid(settings)
    state = "stopped"
    if pid is not None:
        state = "running" if redis_answers(settings) else "not answering"
    return ServiceStatus("redis", state, f"redis://127.0.0.1:{settings.redis_port}", pid,
                         log_file(settings), started=started, seconds=seconds)
