"""The people at the end of an alert, played locally: what Alertmanager's receivers reach.

:class:`HttpReceiver` is one HTTP server for every HTTP receiver format, told apart by path:
``/webhook`` (Alertmanager's generic webhook JSON), ``/slack/<channel>`` (Slack's incoming
webhook JSON, as Alertmanager's ``slack_configs`` send it) and ``/pagerduty`` (PagerDuty
Events API v2, as its ``pagerduty_configs`` send it: point their ``url`` here).
:class:`MailReceiver` is an SMTP server (aiosmtpd) keeping every message. :class:`Answers` is
an Alertmanager stand-in answering with scripted status codes (the client's retries).
Each keeps what arrived in order; ``wait_for`` polls a condition with a deadline.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(cond: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(0.1)


@dataclass(frozen=True)
class Received:
    path: str
    body: dict
    at: float


class HttpReceiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    outer.requests.append(Received(self.path, json.loads(raw or b"{}"),
                                                   time.monotonic()))
                answer = b'{"status": "success"}' if self.path == "/pagerduty" else b"ok"
                self.send_response(202 if self.path == "/pagerduty" else 200)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def at(self, path: str) -> list[dict]:
        return [r.body for r in list(self.requests) if r.path == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Keep:
    def __init__(self, messages: list[Message]):
        self.messages = messages

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd calls this name
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 Message accepted for delivery"


class MailReceiver:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.port = free_port()
        self._controller = Controller(_Keep(self.messages), hostname="127.0.0.1",
                                      port=self.port)
        self._controller.start()

    def to(self, address: str) -> list[Message]:
        return [m for m in list(self.messages) if address in (m.get("To") or "")]

    def close(self) -> None:
        self._controller.stop()


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
