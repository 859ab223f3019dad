"""Where the champion alias points, asked of MLflow in a child process of the scorer.

Importing MLflow (with pandas, SQLAlchemy, pyarrow, protobuf) costs the process that does
it ~110 MB of RSS for good: CPython never gives a module's heap back. The scorer needs
MLflow only to confirm the champion it serves from its disk cache
(:func:`~streams.scorer.startup.confirm_champion`), so it asks a short-lived child instead:
``python -m streams.scorer.champion_probe`` reads the registry's coordinates as JSON on
stdin (never on the command line, where a tracking URI's credentials would be visible to
``ps``), resolves the alias through :class:`~scoring.registry.ModelRegistry` (which stores
the version in the shared disk cache and remembers the alias there, or falls back to the
cache when MLflow is unreachable) and prints ``{"version": ...}`` or ``{"error": ...}`` as
its last line. Its log lines go to the scorer's stderr. The scorer then loads the version
from the cache, as it loads any cached version.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

from schemas.errors import ModelUnavailable

TIMEOUT_S = 600.0
"""A child that has not answered by then is killed and the champion stays unconfirmed."""


def ask(tracking_uri: str, model_name: str, cache_dir: Path, artifact_root: Path | None,
        alias: str) -> str:
    """The version ``alias`` points to, asked in a child process; raises
    :class:`~schemas.errors.ModelUnavailable` with the child's reason when it cannot tell."""
    request = json.dumps({"tracking_uri": tracking_uri, "model_name": model_name,
                          "cache_dir": str(cache_dir), "alias": alias,
                          "artifact_root": str(artifact_root) if artifact_root else None})
    done = subprocess.run([sys.executable, "-m", __name__], input=request, text=True,
                          stdout=subprocess.PIPE, timeout=TIMEOUT_S, check=False)
    lines = done.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else {}
    except ValueError:
        answer = {}
    if done.returncode == 0 and isinstance(answer.get("version"), str):
        return answer["version"]
    raise ModelUnavailable(answer.get("error") or f"the champion probe exited {done.returncode}")


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    request = json.loads(sys.stdin.read())
    try:
        from scoring.registry import ModelRegistry

        root = request["artifact_root"]
        registry = ModelRegistry(request["tracking_uri"], request["model_name"],
                                 Path(request["cache_dir"]), Path(root) if root else None)
        version = registry.load(alias=request["alias"]).version
    except Exception as exc:  # the scorer logs it and keeps serving the cached champion
        print(json.dumps({"error": str(exc)}), flush=True)
        return 1
    print(json.dumps({"version": version}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
