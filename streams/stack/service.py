"""What ``stack up`` and ``stack status`` report about one service."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServiceStatus:
    """One service of the local stack, as seen right now."""

    name: str
    state: str
    """``running``, ``stopped``, ``not answering``, ``unreachable``, ``ready`` or ``external``."""
    address: str
    pid: int | None = None
    log: Path | None = None
    started: bool = False
    """True if this call started it (False: it was already running, or is not ours)."""
    seconds: float = 0.0
    """How long the start-up waited for the service to answer."""

    @property
    def ok(self) -> bool:
        return self.state in {"running", "ready", "external"}
