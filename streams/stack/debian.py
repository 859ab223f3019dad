"""Debian packages the stack runs (``prometheus``, ``prometheus-alertmanager``): found on
PATH, or installed with apt-get when missing and we are root (as ``scripts/bootstrap.sh``
does)."""

from __future__ import annotations

import os
import shutil
import subprocess

from schemas.errors import FatalError
from streams.stack.process import ServiceError

APT_TIMEOUT_S = 900


def debian_binary(package: str, *names: str) -> str:
    """The first of ``names`` on PATH; ``apt-get install package`` first if none is."""
    found = next((p for p in map(shutil.which, names) if p), None)
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise FatalError(f"{names[0]} is not installed: run `apt-get install {package}` as root "
                         "(or scripts/bootstrap.sh)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package]):
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=APT_TIMEOUT_S)
        if done.returncode != 0:
            raise ServiceError(f"`{' '.join(cmd)}` failed:\n{done.stdout}{done.stderr}")
    found = next((p for p in map(shutil.which, names) if p), None)
    if found is None:
        raise ServiceError(f"apt-get installed {package} but {names[0]} is not on PATH")
    return found
