"""The client side of the control plane: ask the controller, read what it decided.

- :func:`submit` sends a :class:`ControlRequest` to ``models.control.requests`` and waits
  (deadline: ``settings.control_wait_s``) for the controller's answer: an
  :class:`AuditEntry` with the same request id, and the new :class:`ServingConfig` on
  ``models.control``; or a :class:`ControlAlert` saying why nothing changed.
- :func:`latest_config` reads the compacted ``models.control`` to its end.
- :func:`history` reads ``models.audit`` (redeliveries de-duplicated).
- :class:`ServingConfigFeed` is what a scorer holds: ``current()`` at start, ``poll()``
  between two batches returns a newer configuration or None, without blocking.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from schemas.alerts import ControlAlert
from schemas.control import AuditEntry, ControlRequest, ServingConfig
from schemas.errors import RetryableError
from streams.kafka.reader import TopicReader, produce_one
from streams.settings import Settings


class ControllerTimeout(RetryableError):
    """The controller did not answer in time (is ``leadstream agents`` running?)."""


@dataclass(frozen=True)
class ControlResult:
    audit: AuditEntry | None
    alert: ControlAlert | None

    @property
    def config(self) -> ServingConfig | None:
        return self.audit.after if self.audit else None


def submit(settings: Settings, request: ControlRequest,
           timeout_s: float | None = None) -> ControlResult:
    """Send ``request``; return the controller's answer once the config is visible."""
    deadline = time.monotonic() + (timeout_s or settings.control_wait_s)
    with TopicReader(settings, settings.topic_models_audit, from_end=True) as audits, \
            TopicReader(settings, settings.topic_models_alerts, from_end=True) as alerts:
        produce_one(settings, settings.topic_models_control_requests, request.model_name,
                    request.model_dump_json().encode())
        while time.monotonic() < deadline:
            for rec in audits.poll(0.2):
                entry = AuditEntry.model_validate_json(rec.value or b"")
                if entry.request_id == request.request_id:
                    _await_config(settings, entry.after, deadline)
                    return ControlResult(entry, None)
            for rec in alerts.poll(0.0):
                alert = ControlAlert.model_validate_json(rec.value or b"")
                if alert.request_id == request.request_id:
                    return ControlResult(None, alert)
    raise ControllerTimeout(f"no answer to request {request.request_id} within the deadline: "
                            "is the controller (`leadstream agents`) running?")


def _await_config(settings: Settings, config: ServingConfig, deadline: float) -> None:
    while time.monotonic() < deadline:
        latest = latest_config(settings, config.model_name)
        if latest is not None and latest.sequence >= config.sequence:
            return
    raise ControllerTimeout(f"models.control never showed sequence {config.sequence}")


def latest_config(settings: Settings, model_name: str) -> ServingConfig | None:
    """The serving configuration in force (last record of the model on models.control)."""
    found: ServingConfig | None = None
    with TopicReader(settings, settings.topic_models_control) as reader:
        for rec in reader.to_end():
            if rec.key == model_name.encode() and rec.value:
                found = ServingConfig.model_validate_json(rec.value)
    return found


def history(settings: Settings, model_name: str) -> list[AuditEntry]:
    """Every audit entry of the model, oldest first, each change once."""
    seen: set[tuple[int, str, str | None]] = set()
    out: list[AuditEntry] = []
    with TopicReader(settings, settings.topic_models_audit) as reader:
        for rec in reader.to_end():
            entry = AuditEntry.model_validate_json(rec.value or b"")
            ident = (entry.sequence, entry.action, entry.request_id)
            if entry.model_name == model_name and ident not in seen:
                seen.add(ident)
                out.append(entry)
    return out


def alerts(settings: Settings, model_name: str) -> list[ControlAlert]:
    with TopicReader(settings, settings.topic_models_alerts) as reader:
        found = [ControlAlert.model_validate_json(r.value or b"") for r in reader.to_end()]
    return [a for a in found if a.model_name == model_name]


class ServingConfigFeed:
    """The scorer's view of ``models.control`` for one model: newest sequence wins."""

    def __init__(self, settings: Settings, model_name: str):
        self._key = model_name.encode()
        self._reader = TopicReader(settings, settings.topic_models_control)
        self._current: ServingConfig | None = None
        for rec in self._reader.to_end():
            self._take(rec.key, rec.value)

    def current(self) -> ServingConfig | None:
        return self._current

    def poll(self) -> ServingConfig | None:
        """A newer configuration if one arrived since the last call, else None."""
        before = self._current
        for rec in self._reader.poll(0.0):
            self._take(rec.key, rec.value)
        return self._current if self._current is not before else None

    def _take(self, key: bytes | None, value: bytes | None) -> None:
        if key != self._key or not value:
            return
        config = ServingConfig.model_validate_json(value)
        if self._current is None or config.sequence > self._current.sequence:
            self._current = config

    def close(self) -> None:
        self._reader.close()
