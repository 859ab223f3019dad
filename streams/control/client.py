"""The client side of the control plane: ask the controller, read what it decided.

- :func:`submit` sends a :class:`ControlRequest` to ``models.control.requests`` (a principal
  that may not write there is told so first, not that it may not read the answer) and waits
  (deadline: ``settings.control_wait_s``) for the controller's answer: an
  :class:`AuditEntry` with the same request id, and the new :class:`ServingConfig` on
  ``models.control``; or a :class:`ControlAlert` saying why nothing changed.
- :func:`latest_config` reads the compacted ``models.control`` to its end.
- :func:`history` reads ``models.audit`` (redeliveries de-duplicated).
- :class:`ServingConfigFeed` is what a scorer holds: ``current()`` at start, ``poll()``
  between two batches returns a newer configuration or None, without blocking.

A record on these topics that fails validation is logged and skipped (the feed also counts
it, and keeps the configuration in force); the agents answer a bad ``models.control``
record with one ``invalid_config`` alert on ``models.alerts``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from schemas.alerts import ControlAlert
from schemas.control import AuditEntry, ControlRequest, ServingConfig
from schemas.errors import RetryableError
from schemas.privacy import ERASURE_KEY
from streams.control.keys import operator_signer
from streams.control.records import ControllerRecords, control_view
from streams.kafka.reader import Record, TopicReader, check_writable, produce_one
from streams.settings import Settings

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


def _decoded(contract: type[M], topic: str, offset: int, value: bytes | None) -> M | None:
    """``value`` as ``contract``, or None (logged) when it is not one."""
    try:
        return contract.model_validate_json(value or b"")
    except ValidationError as exc:
        log.error("invalid %s record at offset %d skipped: %s", topic, offset, str(exc)[:500])
        return None


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
    check_writable(settings, settings.topic_models_control_requests)  # the refusal to name
    with TopicReader(settings, settings.topic_models_audit, from_end=True) as audits, \
            TopicReader(settings, settings.topic_models_alerts, from_end=True) as alerts:
        topic, value = settings.topic_models_control_requests, request.model_dump_json().encode()
        signer = operator_signer(settings)
        headers = signer.headers(topic, request.model_name.encode(), value) if signer else None
        produce_one(settings, topic, request.model_name, value, headers=headers)
        while time.monotonic() < deadline:
            for rec in audits.poll(0.2):
                if rec.key == ERASURE_KEY:
                    continue
                entry = _decoded(AuditEntry, audits.topic, rec.offset, rec.value)
                if entry is not None and entry.request_id == request.request_id:
                    _await_config(settings, entry.after, deadline)
                    return ControlResult(entry, None)
            for rec in alerts.poll(0.0):
                alert = _decoded(ControlAlert, alerts.topic, rec.offset, rec.value)
                if alert is not None and alert.request_id == request.request_id:
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
    """The controller's serving configuration in force (highest sequence it signed)."""
    return control_view(settings, model_name).config


def history(settings: Settings, model_name: str) -> list[AuditEntry]:
    """Every audit entry of the model, oldest first, each change once."""
    seen: set[tuple[int, str, str | None]] = set()
    out: list[AuditEntry] = []
    with TopicReader(settings, settings.topic_models_audit) as reader:
        for rec in reader.to_end():
            if rec.key == ERASURE_KEY:  # erasures are audited here too (schemas.privacy)
                continue
            entry = _decoded(AuditEntry, reader.topic, rec.offset, rec.value)
            if entry is None:
                continue
            ident = (entry.sequence, entry.action, entry.request_id)
            if entry.model_name == model_name and ident not in seen:
                seen.add(ident)
                out.append(entry)
    return out


def alerts(settings: Settings, model_name: str) -> list[ControlAlert]:
    with TopicReader(settings, settings.topic_models_alerts) as reader:
        found = [_decoded(ControlAlert, reader.topic, r.offset, r.value)
                 for r in reader.to_end()]
    return [a for a in found if a is not None and a.model_name == model_name]


class ServingConfigFeed:
    """The scorer's view of ``models.control`` for one model: newest sequence wins; a
    record that is no valid configuration is counted (``on_invalid``), logged and skipped,
    and the configuration in force stays; so is one the controller did not sign, when
    signing is required (``on_forged(reason)``)."""

    def __init__(self, settings: Settings, model_name: str,
                 on_invalid: Callable[[], None] = lambda: None,
                 on_forged: Callable[[str], None] = lambda reason: None):
        self._key = model_name.encode()
        self._on_invalid, self._on_forged = on_invalid, on_forged
        self._check = ControllerRecords(settings)
        self._reader = TopicReader(settings, settings.topic_models_control)
        self._current: ServingConfig | None = None
        for rec in self._reader.to_end():
            self._take(rec)

    def current(self) -> ServingConfig | None:
        return self._current

    def poll(self) -> ServingConfig | None:
        """A newer configuration if one arrived since the last call, else None."""
        before = self._current
        for rec in self._reader.poll(0.0):
            self._take(rec)
        return self._current if self._current is not before else None

    def _take(self, rec: Record) -> None:
        if rec.key != self._key or not rec.value:
            return
        refused = self._check.refusal(self._reader.topic, rec)
        if refused is not None:
            self._on_forged(refused.reason.value)
            return
        config = _decoded(ServingConfig, self._reader.topic, rec.offset, rec.value)
        if config is None:
            self._on_invalid()
            return
        if self._current is None or config.sequence > self._current.sequence:
            self._current = config

    def close(self) -> None:
        self._reader.close()
