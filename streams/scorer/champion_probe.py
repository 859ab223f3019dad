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

The probe ends with the scorer that asked: when its parent has gone (a scorer that stopped
after a bounded run, or was killed), it exits within half a second, and an answer nobody
reads any more (a closed pipe) is dropped without a word.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from schemas.errors import ModelUnavailable
from streams.redact import install_log_redaction, redact_text

TIMEOUT_S = 600.0
"""A child that has not answered by then is killed and the champion stays unconfirmed."""
PARENT_POLL_S = 0.5


def ask(tracking_uri: str, model_name: str, cache_dir: Path, artifact_root: Path | None,
        alias: str) -> str:
    """The version ``alias`` points to, asked in a child process; raises
    :class:`~schemas.errors.ModelUnavailable` with the child's reason when it cannot tell."""
    request = json.dumps({"tracking_uri": tracking_uri, "model_name": model_name,
                          "cache_dir": str(cache_dir), "alias": alias, "parent": os.getpid(),
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
    install_log_redaction()  # as the scorer does: a tracking URI's password never shows
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    request = json.loads(sys.stdin.read())
    _end_with(request.get("parent") or os.getppid())
    try:
        from scoring.registry import ModelRegistry

        root = request["artifact_root"]
        registry = ModelRegistry(request["tracking_uri"], request["model_name"],
                                 Path(request["cache_dir"]), Path(root) if root else None)
        version = registry.load(alias=request["alias"]).version
    except Exception as exc:  # the scorer logs it and keeps serving the cached champion
        _answer({"error": redact_text(str(exc))})
        return 1
    _answer({"version": version})
    return 0


def _answer(answer: dict[str, str]) -> None:
    """The answer as the last line of stdout; dropped when the scorer no longer reads it."""
    try:
        print(json.dumps(answer), flush=True)
    except BrokenPipeError:  # the scorer stopped before the answer came: nobody to tell
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # and no second error when Python exits


def _end_with(parent: int) -> None:
    """Exit as soon as ``parent`` (the scorer) is gone: nobody waits for the answer."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(0)

    threading.Thread(target=watch, name="probe-parent", daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
