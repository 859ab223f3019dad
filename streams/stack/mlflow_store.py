"""The MLflow tracking/registry store the stack provides.

Embedded default: a sqlite store plus a local artifact folder under ``Settings.home``; ``up``
creates both, opens the store (which creates its tables) and the experiment, so the
experiment's artifacts go to ``Settings.artifact_root`` and not to ``./mlruns``. An
``http(s)://`` tracking URI is somebody's server: we only check that it answers.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from streams.redact import redact_url
from streams.settings import Settings
from streams.stack.service import ServiceStatus

PROBE_TIMEOUT_S = 3.0


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI, else None."""
    prefix = "sqlite:///"
    return Path(uri[len(prefix):]) if uri.startswith(prefix) else None


def server_answers(uri: str) -> bool:
    """True if an MLflow server answers on its ``/health`` endpoint."""
    try:
        with urllib.request.urlopen(f"{uri.rstrip('/')}/health", timeout=PROBE_TIMEOUT_S) as r:
            return r.status == 200
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return False


def ensure_mlflow(settings: Settings) -> ServiceStatus:
    """Create and open the embedded store (idempotent), or probe a remote server."""
    uri = settings.tracking_uri
    db = sqlite_path(uri)
    if db is None:
        return status_mlflow(settings)
    existed = db.is_file()
    db.parent.mkdir(parents=True, exist_ok=True)
    settings.artifact_root.mkdir(parents=True, exist_ok=True)
    # Imported here: mlflow takes seconds to import and most commands never need it.
    from scoring.registry import create_store

    create_store(uri, settings.artifact_root, settings.experiment_name)
    return status_mlflow(settings, started=not existed)


def status_mlflow(settings: Settings, started: bool = False) -> ServiceStatus:
    uri = settings.tracking_uri
    db = sqlite_path(uri)
    if db is not None:
        state = "ready" if db.is_file() else "not created"
        return ServiceStatus("mlflow", state, uri, None, None, started=started)
    if uri.startswith(("http://", "https://")):
        state = "running" if server_answers(uri) else "unreachable"
        return ServiceStatus("mlflow", state, redact_url(uri))
    return ServiceStatus("mlflow", "external", redact_url(uri))
