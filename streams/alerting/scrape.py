"""Where Prometheus finds a leadstream process: file-based service discovery.

A process that serves ``/metrics`` writes one target file,
``<stack_dir>/prometheus/targets/<job>-<port>.json`` (``file_sd_configs`` format), and
removes it when it exits cleanly. The local Prometheus (:mod:`streams.stack.prometheus`)
watches that folder: a new scorer is scraped within seconds, a stopped one is forgotten, and
one that crashed stays a target that is down (``up == 0``: the ``LeadstreamScorerDown``
rule). A restarted process on the same port writes the same file again.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
from pathlib import Path

from streams.settings import Settings

log = logging.getLogger(__name__)

JOBS = ("scorer", "agents", "sink")
"""One Prometheus job per kind of process: ``leadstream-<job>``."""


def targets_dir(settings: Settings) -> Path:
    return settings.stack_dir / "prometheus" / "targets"


def target_file(settings: Settings, job: str, port: int) -> Path:
    return targets_dir(settings) / f"{job}-{port}.json"


def register_target(settings: Settings, job: str, port: int, host: str = "127.0.0.1") -> Path:
    """Announce ``host:port`` as a ``leadstream-<job>`` target (atomically: Prometheus never
    reads half a file); the file is removed at a clean exit."""
    if job not in JOBS:
        raise ValueError(f"unknown job {job!r}: one of {JOBS}")
    address = "127.0.0.1" if host in ("", "0.0.0.0") else host
    path = target_file(settings, job, port)
    path.parent.mkdir(parents=True, exist_ok=True)
    group = [{"targets": [f"{address}:{port}"], "labels": {"pid": str(os.getpid())}}]
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(group))
    tmp.replace(path)
    atexit.register(_unregister, path, os.getpid())
    log.info("metrics of this %s announced to Prometheus in %s", job, path)
    return path


def _unregister(path: Path, pid: int) -> None:
    """Remove our target file unless another process has taken it over since."""
    try:
        ours = json.loads(path.read_text())[0]["labels"]["pid"] == str(pid)
    except (OSError, ValueError, LookupError):
        return
    if ours:
        path.unlink(missing_ok=True)
