"""The latest monitor and serving state in Redis, for ``leadstream status`` and dashboards.

Keys (JSON values):
  ``leadstream:serving:<model>``             the last ``models.control`` record
  ``leadstream:monitor:<model>`` (hash)      ``<role>|<version>|drift`` / ``|performance`` /
                                             ``|guardrails``: the last closed window's reports,
                                             expiring ``MONITOR_TTL_S`` after the last one
  ``leadstream:monitor:<model>:recent``      (list) the last ``RECENT_WINDOWS`` closed windows,
                                             newest first: ``{"role", "version", "reports":
                                             {kind: report}}``, same expiry
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
RECENT = "leadstream:monitor:{model}:recent"
MONITOR_TTL_S = 30 * 24 * 3600
"""The latest reports of a model expire after this long without a closed window."""
RECENT_WINDOWS = 50
"""Closed windows kept per model (all roles and versions) for ``status``."""


class StateWriter:
    """Async writer used by the agents; a Redis failure raises for the caller to count."""

    def __init__(self, url: str, timeout_s: float):
        self.client = aioredis.Redis.from_url(url, socket_timeout=timeout_s,
                                              socket_connect_timeout=timeout_s)

    async def reports(self, model: str, role: str, version: str,
                      records: Iterable[tuple[str, BaseModel]]) -> None:
        records = list(records)
        fields = {f"{role}|{version}|{kind}": r.model_dump_json() for kind, r in records}
        window = json.dumps({"role": role, "version": version,
                             "reports": {kind: r.model_dump(mode="json") for kind, r in records}})
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(MONITOR.format(model=model), mapping=fields)
            pipe.expire(MONITOR.format(model=model), MONITOR_TTL_S)
            pipe.lpush(RECENT.format(model=model), window)
            pipe.ltrim(RECENT.format(model=model), 0, RECENT_WINDOWS - 1)
            pipe.expire(RECENT.format(model=model), MONITOR_TTL_S)
            pipe.sadd(MODELS, model)
            await pipe.execute()

    async def serving(self, model: str, value: bytes) -> None:
        await self.client.set(SERVING.format(model=model), value)
        await self.client.sadd(MODELS, model)

    async def close(self) -> None:
        await self.client.aclose()


def read_state(url: str, timeout_s: float, model: str
               ) -> tuple[dict | None, dict[str, dict], list[dict]]:
    """The serving record, ``{"<role>|<version>|<kind>": report}`` (the last window per
    role/version) and the recent windows (newest first) of one model."""
    client = _client(url, timeout_s)
    try:
        serving = client.get(SERVING.format(model=model))
        reports = client.hgetall(MONITOR.format(model=model))
        recent = client.lrange(RECENT.format(model=model), 0, RECENT_WINDOWS - 1)
    finally:
        client.close()
    return (json.loads(serving) if serving else None,
            {k.decode(): json.loads(v) for k, v in reports.items()},
            [json.loads(w) for w in recent])


def serving_models(url: str, timeout_s: float) -> list[str]:
    """The model names that have a serving configuration stored, sorted."""
    client = _client(url, timeout_s)
    try:
        names = sorted(m.decode() for m in client.smembers(MODELS))
        return [n for n in names if client.exists(SERVING.format(model=n))]
    finally:
        client.close()


def _client(url: str, timeout_s: float) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
