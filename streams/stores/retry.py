"""Waiting out a Redis outage: the one retry loop of the agents' Redis steps.

A step whose record must not be skipped while Redis is down (an outcome's join, an
erasure, a signed request's replay check) runs under :func:`until_redis`: a Redis failure
is logged and the step is tried again with exponential backoff (0.1 s doubling to 5 s),
for as long as Redis fails. The agent does not move on meanwhile: nothing is lost and the
step's own idempotence makes the retry safe. :func:`with_redis` runs a blocking step in a
thread under the same loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis

log = logging.getLogger(__name__)
FIRST_BACKOFF_S = 0.1
MAX_BACKOFF_S = 5.0
T = TypeVar("T")


async def until_redis(what: str, step: Callable[[], Awaitable[T]]) -> T:
    """``await step()``, again and again with backoff while it raises a Redis error."""
    backoff = FIRST_BACKOFF_S
    while True:
        try:
            return await step()
        except redis.RedisError as exc:
            log.warning("%s: Redis failed (%s); retrying in %.1fs", what, exc, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)


async def with_redis(what: str, call: Callable[[], T]) -> T:
    """Run a blocking Redis step in a thread under :func:`until_redis`."""
    return await until_redis(what, lambda: asyncio.to_thread(call))
