"""Confirm-webhooks that gate a canary's automatic advance or promotion (as Flagger's).

Each gate of the action (:meth:`ProgressionPolicy.gates`) is POSTed a JSON summary of the
decision (model, experiment, action, shares, window, reasons, evidence: counts and tests,
no lead data). A 2xx answer lets the action go. A transport error (refused connection,
timeout) is tried again within the gate's ``timeout_s`` (tenacity, three attempts); what
still fails, and any non-2xx answer, is a refusal: the canary holds at its step. A webhook
never makes anything happen on its own, and never promotes by failing.
"""

from __future__ import annotations

import logging
import time

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_exponential_jitter

from schemas.policy import WebhookGate
from scoring.experiments.progression import Action, Decision
from streams.redact import redact_url

log = logging.getLogger(__name__)
ATTEMPTS = 3


def payload(model: str, decision: Decision) -> dict:
    return {"model_name": model, "experiment_id": decision.experiment_id,
            "action": decision.action.value, "share_from": decision.share_from,
            "share_to": decision.share_to, "window_end_ms": decision.window_end_ms,
            "reasons": list(decision.reasons), "evidence": decision.evidence}


async def ask_gate(gate: WebhookGate, body: dict) -> str | None:
    """None when the gate says go (2xx); else why not (for the hold's reasons)."""
    started = time.monotonic()
    retrying = AsyncRetrying(stop=stop_after_attempt(ATTEMPTS) | stop_after_delay(gate.timeout_s),
                             wait=wait_exponential_jitter(initial=0.1, max=1.0),
                             retry=retry_if_exception_type(httpx.TransportError), reraise=True)
    try:
        async with httpx.AsyncClient(timeout=gate.timeout_s) as http:
            async for attempt in retrying:
                with attempt:
                    left = max(0.1, gate.timeout_s - (time.monotonic() - started))
                    answer = await http.post(gate.url, json=body, timeout=left)
    except httpx.HTTPError as exc:
        why = f"{gate.name}: no answer ({type(exc).__name__})"
        log.warning("webhook %s (%s) holds the canary: %s", gate.name, redact_url(gate.url),
                    why)
        return why
    if 200 <= answer.status_code < 300:
        return None
    log.warning("webhook %s answered HTTP %d: the canary holds", gate.name, answer.status_code)
    return f"{gate.name}: HTTP {answer.status_code}"


async def refusals(gates: tuple[WebhookGate, ...], model: str,
                   decision: Decision) -> tuple[str, ...]:
    """Ask every gate of ``decision`` (one after the other); the refusals, if any."""
    if decision.action not in (Action.ADVANCE, Action.PROMOTE) or not gates:
        return ()
    body = payload(model, decision)
    out = []
    for gate in gates:
        why = await ask_gate(gate, body)
        if why is not None:
            out.append(why)
    return tuple(out)
