"""The controller's gate: who signed a control request, or why it goes to the dead letters.

With ``control_signing = required`` every record on ``models.control.requests`` must carry
a valid signature (:func:`scoring.control.signing.verify`) of a key in the allow-list (or
the agents' own key, for auto-promotions), made within ``control_signature_window_s``, and
not seen before (:class:`~streams.stores.signatures.SignatureMemory`). A refusal is counted
(``leadstream_agent_signature_refusals_total{topic,reason}``) and raised as
:class:`~streams.agents.deadletters.Rejected` (``signature_refused``):
:func:`~streams.agents.deadletters.guarded` dead-letters it and the controller answers
with a ``signature_refused`` alert. The verified name is the request's ``actor``; whatever
the record declares is ignored. ``models.rollback`` events must be signed by the agents'
own key (:class:`RollbackGate`), as the guardrails sign them.
"""

from __future__ import annotations

import logging
import time
from typing import Any, NoReturn

import faust

from schemas.deadletters import RecordRejectReason
from scoring.control.signing import Refusal, Refused, Signed, verify
from streams.agents.deadletters import Rejected
from streams.agents.metrics import metrics_for
from streams.control.keys import SIGNING_OFF_WARNING, controller_keys, request_keys, window_ms
from streams.settings import Settings
from streams.stores.signatures import SignatureMemory

log = logging.getLogger(__name__)


class RequestGate:
    """``what`` names the requests in refusals; ``warn``: say once that signing is off.
    ``window_s``: the age limit (default ``control_signature_window_s``); ``remember``:
    refuse a second use of a signature (:class:`SignatureMemory`); without it the caller
    protects against replays itself (erasures: by request id, ``stores.erasure_requests``)."""

    def __init__(self, app: faust.App, settings: Settings, what: str = "control request",
                 warn: bool = True, window_s: float | None = None, remember: bool = True):
        self._keys, self._what = request_keys(settings), what
        self._window_ms = window_ms(settings) if window_s is None else int(window_s * 1000)
        self._metrics = metrics_for(app)
        self._memory = None
        if self._keys is None:
            if warn:
                log.warning(SIGNING_OFF_WARNING)
        else:
            if remember:
                self._memory = SignatureMemory(settings.redis_url,
                                               max(settings.redis_timeout_s, 2.0),
                                               settings.control_signature_window_s)
            log.info("%ss must be signed by one of: %s", what, ", ".join(sorted(self._keys)))

    @property
    def required(self) -> bool:
        return self._keys is not None

    async def signer(self, event: Any) -> str | None:
        """The verified signer of ``event`` (None: signing is off), else :class:`Rejected`."""
        if self._keys is None:
            return None
        msg = event.message
        result = verify(msg.topic, event.key, event.value, msg.headers, self._keys,
                        time.time_ns() // 1_000_000, self._window_ms)
        if isinstance(result, Signed):
            if self._memory is None:
                return result.signer
            first = await self._memory.first_use(result.replay_id,
                                                 f"{msg.topic}:{msg.partition}:{msg.offset}")
            if first is None:
                return result.signer
            result = Refused(Refusal.REPLAYED, f"a copy of a request signed by "
                                               f"{result.signer!r}, first used at {first}")
        self.refuse(msg.topic, result)

    def refuse(self, topic: str, result: Refused) -> NoReturn:
        """Count ``result`` and raise it as :class:`Rejected` (``signature_refused``)."""
        self._metrics.signature_refusals.labels(topic, result.reason.value).inc()
        raise Rejected(RecordRejectReason.SIGNATURE_REFUSED,
                       f"{self._what} refused ({result.reason.value}): {result.message}")


class ControllerRecordGate:
    """Checks a consumed ``models.control`` record before an agent follows it: with signing
    required, one the controller did not sign is refused (counted, logged) — a forgery.
    ``quiet``: refuse without counting or logging (a second agent on the same record)."""

    def __init__(self, app: faust.App, settings: Settings, quiet: bool = False):
        self._keys = controller_keys(settings)
        self._metrics = metrics_for(app)
        self._quiet = quiet

    def refusal(self, event: Any) -> Refused | None:
        if self._keys is None:
            return None
        msg = event.message
        result = verify(msg.topic, event.key, event.value, msg.headers, self._keys,
                        time.time_ns() // 1_000_000, None)
        if isinstance(result, Signed) or self._quiet:
            return None if isinstance(result, Signed) else result
        self._metrics.signature_refusals.labels(msg.topic, result.reason.value).inc()
        log.error("models.control record at %s[%s]@%s ignored, not the controller's (%s): %s",
                  msg.topic, msg.partition, msg.offset, result.reason.value, result.message)
        return result


class RollbackGate:
    """Checks a ``models.rollback`` event before the controller acts on it: with signing
    required, only the agents' own key (the guardrail that raised it) may sign one. No age
    limit: a rollback raised while the controller was down must still apply when it is back
    (a repeated genuine event is the same rollback, which the controller applies once)."""

    def __init__(self, app: faust.App, settings: Settings):
        self._keys = controller_keys(settings)
        self._metrics = metrics_for(app)

    def check(self, event: Any) -> None:
        """Return if ``event`` is the agents' own (or signing is off); else :class:`Rejected`."""
        if self._keys is None:
            return
        msg = event.message
        result = verify(msg.topic, event.key, event.value, msg.headers, self._keys,
                        time.time_ns() // 1_000_000, None)
        if isinstance(result, Signed):
            return
        self._metrics.signature_refusals.labels(msg.topic, result.reason.value).inc()
        raise Rejected(RecordRejectReason.SIGNATURE_REFUSED,
                       f"rollback event refused ({result.reason.value}): {result.message}")

