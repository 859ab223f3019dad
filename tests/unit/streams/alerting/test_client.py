"""The Alertmanager client against a local HTTP server: 5xx retried, 4xx not, what still
fails counted and logged without the URL's password; nothing raised into the agent."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from streams.alerting.alert import Alert, AlertSeverity
from streams.alerting.client import ATTEMPTS, AlertmanagerClient, AlertMetrics

NOW = datetime.now(UTC)
ALERT = Alert("X", "m", "1", AlertSeverity.WARNING, "guardrail", NOW, NOW + timedelta(minutes=1))


class Answers:
    """A server answering POSTs with the given status codes in turn (the last one repeats)."""

    def __init__(self, codes: list[int]):
        self.codes, self.bodies = codes, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.bodies.append(json.loads(self.rfile.read(
                    int(self.headers["Content-Length"]))))
                code = outer.codes[min(len(outer.bodies), len(outer.codes)) - 1]
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://u:secret-pw@127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(("codes", "ok", "tries"), [
    ([200], True, 1), ([503, 500, 200], True, 3), ([503], False, ATTEMPTS), ([400], False, 1)])
def test_retries_and_failures(codes: list[int], ok: bool, tries: int,
                              caplog: pytest.LogCaptureFixture) -> None:
    server, metrics = Answers(codes), AlertMetrics()
    client = AlertmanagerClient(server.url, 2.0, metrics, backoff_s=0.01)
    try:
        with caplog.at_level(logging.WARNING):
            assert asyncio.run(client.post([ALERT])) is ok
    finally:
        server.close()
    assert len(server.bodies) == tries
    assert server.bodies[0] == [ALERT.payload()]
    assert metrics.failures._value.get() == (0 if ok else 1)
    assert metrics.posted.labels("guardrail", "warning")._value.get() == (1 if ok else 0)
    assert "secret-pw" not in caplog.text
    assert ok or "did not take 1 alert" in caplog.text
