"""Signatures the controller has accepted, in Redis: a signed request is valid once.

Each accepted signature claims ``leadstream:signed:<sha256 of the signature>`` with
``SET NX GET EX`` (TTL: twice the signature window plus a minute; beyond the window the
request is refused as too old anyway), holding where it was read
(``topic:partition:offset``). A copy of the same signed record at another position is a
replay; the same position seen again is faust redelivering it after a restart (the
controller's idempotent path then answers it again). One key per accepted request within
the window: bounded by the TTL. While Redis is down the check waits it out
(:func:`~streams.stores.retry.until_redis`) instead of failing the request: a signed
request is never dead-lettered for an outage, and a claim whose answer was lost is found
again at its own position on the retry.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from streams.stores.retry import until_redis

KEY = "leadstream:signed:{replay_id}"


def ttl_s(window_s: float) -> int:
    return int(2 * window_s) + 60


class SignatureMemory:
    """Async claims of accepted signatures (fail closed: no answer, no acceptance)."""

    def __init__(self, url: str, timeout_s: float, window_s: float):
        self.client = aioredis.Redis.from_url(url, socket_timeout=timeout_s,
                                              socket_connect_timeout=timeout_s)
        self.ttl_s = ttl_s(window_s)

    async def first_use(self, replay_id: str, where: str) -> str | None:
        """None if this signature is new here (or was claimed from ``where`` itself), else
        the position that used it first."""
        held = await until_redis("signature check", lambda: self.client.set(
            KEY.format(replay_id=replay_id), where, nx=True, get=True, ex=self.ttl_s))
        if held is None:
            return None
        held_text = held.decode(errors="replace")
        return None if held_text == where else held_text

    async def close(self) -> None:
        await self.client.aclose()
