"""Confirm-webhooks against local HTTP servers: a 2xx lets the step go; a refusal, a
timeout or no server holds it (never promotes); the body is the decision, no lead data."""

from __future__ import annotations

import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from schemas.policy import WebhookGate
from scoring.experiments.progression import Action, Decision
from streams.control.webhooks import refusals
from tests.support.alert_receivers import Answers, free_port

DECISION = Decision(Action.PROMOTE, ("treatment not worse",), "exp-1", 42_000, 0.5, 0.5,
                    {"window_end_ms": 42_000, "treatment_outcomes": 900, "lower": -0.01})


def gate(url: str, timeout_s: float = 2.0, on=("promote",)) -> WebhookGate:
    return WebhookGate(name="desk", url=url, timeout_s=timeout_s, on=on)


@pytest.mark.parametrize(("codes", "held"), [([200], False), ([204], False),
                                             ([403], True), ([500], True)])
def test_a_2xx_lets_it_go_anything_else_holds(codes: list[int], held: bool) -> None:
    server = Answers(codes)
    try:
        out = asyncio.run(refusals((gate(server.url + "/confirm"),), "m", DECISION))
    finally:
        server.close()
    assert bool(out) is held and (not held or out == (f"desk: HTTP {codes[0]}",))
    body = server.bodies[0]
    assert body["action"] == "promote" and body["experiment_id"] == "exp-1"
    assert body["evidence"]["treatment_outcomes"] == 900 and "lead_id" not in str(body)


def test_no_server_or_a_slow_one_holds_within_the_timeout() -> None:
    start = time.monotonic()
    out = asyncio.run(refusals((gate(f"http://127.0.0.1:{free_port()}/x", 1.0),), "m",
                               DECISION))
    assert out == ("desk: no answer (ConnectError)",) and time.monotonic() - start < 5

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            time.sleep(3)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        start = time.monotonic()
        out = asyncio.run(refusals(
            (gate(f"http://127.0.0.1:{server.server_address[1]}/x", 0.5),), "m", DECISION))
        assert out and out[0].startswith("desk: no answer") and time.monotonic() - start < 2.5
    finally:
        server.shutdown()
        server.server_close()


def test_a_hold_or_an_ungated_action_asks_nobody() -> None:
    server = Answers([500])
    try:
        hold = Decision(Action.HOLD, ("dwell",), "exp-1", 1, 0.05, 0.05)
        assert asyncio.run(refusals((gate(server.url),), "m", hold)) == ()
        assert asyncio.run(refusals((), "m", DECISION)) == ()
    finally:
        server.close()
    assert server.bodies == []
