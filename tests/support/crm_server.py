"""A CRM stand-in at the network boundary: a local HTTP server that speaks the sink's JSON
webhook format and misbehaves on purpose.

Every request draws its fate from a seeded plan: ``ok``, ``429`` (with ``Retry-After``),
``500``, ``slow`` (applied, then answered after the client's timeout) or ``drop`` (the
connection closed without an answer). A request that names a lead in ``refuse`` is answered
``400`` as a whole, as some CRMs do. Applied scores are kept per lead in arrival order, so a
test can check that an older score never followed a newer one. Every request's method and
target (path and query, exactly as received) is kept; a request in another format than the
webhook's (Dynamics, HubSpot, Salesforce) is answered ``200`` without applying anything.
``Plan.answer`` replaces the body of a ``200`` (a CRM answering what the sink cannot read).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FATES = ("ok", "429", "500", "slow", "drop")


@dataclass
class Plan:
    weights: dict[str, float] = field(default_factory=lambda: {"ok": 1.0})
    seed: int = 0
    slow_s: float = 1.5
    retry_after: str = "1"
    refuse: frozenset[str] = frozenset()
    answer: bytes | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def draw(self) -> str:
        with self._lock:
            fates = list(self.weights)
            return self._rng.choices(fates, [self.weights[f] for f in fates])[0]


class FakeCrm:
    def __init__(self, plan: Plan | None = None):
        self.plan = plan or Plan()
        self.applied: dict[str, list[dict]] = defaultdict(list)
        self.fates: list[str] = []
        self.auth: set[str | None] = set()
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeCrm:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def latest(self) -> dict[str, dict]:
        with self._lock:
            return {lead: entries[-1] for lead, entries in self.applied.items()}

    def count(self, fate: str) -> int:
        with self._lock:
            return self.fates.count(fate)

    def _apply(self, scores: list[dict]) -> None:
        with self._lock:
            for s in scores:
                self.applied[s["lead_id"]].append(s)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        crm = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_PATCH(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with crm._lock:
                    crm.requests.append((self.command, self.path))
                doc = json.loads(body)
                if "scores" not in doc:  # another CRM's format
                    return self._answer(200, {})
                scores = doc["scores"]
                fate = crm.plan.draw()
                with crm._lock:
                    crm.fates.append(fate)
                    crm.auth.add(self.headers.get("Authorization"))
                if any(s["lead_id"] in crm.plan.refuse for s in scores):
                    return self._answer(400, {"error": "invalid lead id"})
                if fate == "drop":
                    self.close_connection = True
                    return None
                if fate == "429":
                    return self._answer(429, {"error": "slow down"},
                                        {"Retry-After": crm.plan.retry_after})
                if fate == "500":
                    return self._answer(500, {"error": "oops"})
                crm._apply(scores)
                if fate == "slow":
                    time.sleep(crm.plan.slow_s)
                return self._answer(200, crm.plan.answer or {"accepted": len(scores)})

            def _answer(self, status: int, doc: dict | bytes, headers: dict | None = None) -> None:
                raw = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        return Handler
