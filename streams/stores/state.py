"""The latest monitor and serving state in Redis, for ``leadstream status`` and dashboards.

Keys (JSON values):
  ``leadstream:serving:<model>``             the last ``models.control`` record
  ``leadstream:monitor:<model>`` (hash)      ``<role>|<version>|drift`` / ``|performance`` /
                                             ``|guardrails``: the last closed window's reports,
                                             expiring ``MONITOR_TTL_S`` after the last one
  ``leadstream:monitor:models`` (set)        the model names seen

The serving key and the set hold one entry per model name (a bounded set: names come from
the controller, the only writer of ``models.control``), so they carry no TTL: ``status``
shows the configuration in force however long ago it changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import redis
import redis.asyncio as aioredis
from pydantic import BaseModel

SERVING = "leadstream:serving:{model}"
MONITOR = "leadstream:monitor:{model}"
MODELS = "leadstream:monitor:models"
MONITOR_TTL_S = 30 * 24 * 3600
"""The latest reports of a model expire after this long without a closed window."""


class StateWriter:
    """Async writer used by the agents; a Redis failure raises for the caller to count."""

    def __init__(self, url: str, timeout_s: float):
        self.client = aioredis.Redis.from_url(url, socket_timeout=timeout_s,
                                              socket_connect_timeout=timeout_s)

    async def reports(self, model: str, role: str, version: str,
                      records: Iterable[tuple[str, BaseModel]]) -> None:
        fields = {f"{role}|{version}|{kind}": r.model_dump_json() for kind, r in records}
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(MONITOR.format(model=model), mapping=fields)
            pipe.expire(MONITOR.format(model=model), MONITOR_TTL_S)
            pipe.sadd(MODELS, model)
            await pipe.execute()

    async def serving(self, model: str, value: bytes) -> None:
        await self.client.set(SERVING.format(model=model), value)
        await self.client.sadd(MODELS, model)

    async def close(self) -> None:
        await self.client.aclose()


def read_state(url: str, timeout_s: float, model: str) -> tuple[dict | None, dict[str, dict]]:
    """The serving record and ``{"<role>|<version>|<kind>": report}`` of one model."""
    client = redis.Redis.from_url(url, socket_timeout=timeout_s,
                                  socket_connect_timeout=timeout_s)
    try:
        serving = client.get(SERVING.format(model=model))
        reports = client.hgetall(MONITOR.format(model=model))
    finally:
        client.close()
    return (json.loads(serving) if serving else None,
            {k.decode(): json.loads(v) for k, v in reports.items()})
