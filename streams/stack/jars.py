"""The Apache Kafka jars, resolved by Maven from ``pom.xml`` and cached outside the repo.

Cache: ``${XDG_CACHE_HOME:-~/.cache}/leadstream/kafka-<version>/libs``. A ``.complete``
marker is written only after a full copy, so an interrupted fetch is simply redone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from schemas.errors import FatalError
from streams.stack.process import ServiceError

POM = Path(__file__).with_name("pom.xml")
MVN_TIMEOUT_S = 900


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "leadstream"


def libs_dir(version: str) -> Path:
    """Where the jars of Kafka ``version`` live once fetched."""
    return cache_root() / f"kafka-{version}" / "libs"


def _marker(version: str) -> Path:
    return libs_dir(version).parent / ".complete"


def is_fetched(version: str) -> bool:
    return _marker(version).is_file() and libs_dir(version).is_dir()


def require_tool(name: str, hint: str) -> str:
    """The path of an executable on PATH, or a :class:`FatalError` saying how to get it."""
    path = shutil.which(name)
    if path is None:
        raise FatalError(f"{name} is not installed or not on PATH: {hint}")
    return path


def fetch_kafka(version: str) -> Path:
    """Resolve the jars of Kafka ``version`` with mvn (once); return the libs folder."""
    if is_fetched(version):
        return libs_dir(version)
    mvn = require_tool("mvn", "install Maven 3 (Debian: apt-get install maven)")
    target = libs_dir(version)
    tmp = target.with_name(f"libs.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    cmd = [mvn, "-q", "-B", "-f", str(POM), f"-Dkafka.version={version}",
           "dependency:copy-dependencies", f"-DoutputDirectory={tmp}"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=MVN_TIMEOUT_S)
    if done.returncode != 0 or not any(tmp.glob("kafka_2.13-*.jar")):
        shutil.rmtree(tmp, ignore_errors=True)
        tail = (done.stdout + done.stderr)[-3000:]
        raise ServiceError(f"mvn could not resolve Kafka {version} from {POM}:\n{tail}")
    if is_fetched(version):  # another process finished first
        shutil.rmtree(tmp, ignore_errors=True)
        return target
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    _marker(version).write_text(f"{version}\n")
    return target


def classpath(version: str) -> str:
    """The java ``-cp`` value for the fetched jars (fetching them first if needed)."""
    return str(fetch_kafka(version) / "*")
