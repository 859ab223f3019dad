"""Erasure requests the agents applied, by request id: a signed request is applied once.

An erasure request is applied whenever the agents read it, however late (they may have been
down for days), so it is not refused for its age like a control request; a copy of it
(same signed bytes, same request id) at another position of ``privacy.requests`` is refused
as a replay instead. :meth:`AppliedErasures.claim` does ``SET NX GET EX`` on
``leadstream:erasure:applied:<request id>`` holding the position it was read at
(``topic:partition:offset``); the same position seen again is faust redelivering it after
a restart (applied again: every eraser is idempotent). Kept ``erasure_replay_days``, which
is also the age limit of a signed erasure request (an older copy cannot be told from a
replay); one key per request: bounded by its TTL.
"""

from __future__ import annotations

import redis

KEY = "leadstream:erasure:applied:{request_id}"
DAY_S = 86_400


class AppliedErasures:
    def __init__(self, client: redis.Redis, days: int):
        self._client, self.ttl_s = client, days * DAY_S

    def claim(self, request_id: str, where: str) -> str | None:
        """None if ``request_id`` is new here (or was claimed from ``where`` itself), else
        the position that applied it first. Raises on a Redis error (the agent retries)."""
        held = self._client.set(KEY.format(request_id=request_id), where, nx=True, get=True,
                                ex=self.ttl_s)
        if held is None:
            return None
        text = held.decode(errors="replace")
        return None if text == where else text
