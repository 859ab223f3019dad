"""What a reader starts from: a copy of the repository's working tree (as a fresh clone
with this change would be) and a shell environment with no leadstream or MLflow setting but
the ports of a test slot. Used by the demo, the tutorials and the wheel tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from streams.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def copy_of_the_tree(root: Path) -> Path:
    """The working tree's files (tracked and new, nothing git ignores) copied to ``root``."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    return root


def slot_env(slot: Settings, dashboard_port: int) -> dict[str, str]:
    """This environment without any leadstream or MLflow setting (nor ``PYTHONPATH``,
    ``COLUMNS``), plus the slot's ports and ``dashboard_port``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LEADSTREAM_", "MLFLOW_")) and k not in ("PYTHONPATH", "COLUMNS")}
    env.update({
        "LEADSTREAM_KAFKA_PORT": str(slot.kafka_port),
        "LEADSTREAM_REDIS_PORT": str(slot.redis_port),
        "LEADSTREAM_BOOTSTRAP_SERVERS": slot.bootstrap_servers,
        "LEADSTREAM_REDIS_URL": slot.redis_url,
        "LEADSTREAM_PROMETHEUS_PORT": str(slot.prometheus_port),
        "LEADSTREAM_ALERTMANAGER_PORT": str(slot.alertmanager_port),
        "LEADSTREAM_DASHBOARD_PORT": str(dashboard_port),
    })
    return env
