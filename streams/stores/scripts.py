"""Lua scripts sent with other commands in one round trip, and only one.

redis-py runs a pipeline that holds a registered script (``script(..., client=pipe)``) in
two round trips: ``SCRIPT EXISTS`` first, then the pipeline. The scorer's hot path sends
two such pipelines per batch (the claims and previous scores before scoring, the
committed history and ledger after the commit), so :func:`queue` stages a script's
``EVALSHA`` on a pipeline as a plain command, and :func:`execute` runs the pipeline: when
Redis does not know a script (``NOSCRIPT``: it restarted or its cache was flushed), the
scripts are loaded and the pipeline is staged and run once more. A script that failed with
``NOSCRIPT`` did nothing, and the callers' commands are idempotent (a claim seen again at
its own position, a history element written again at its position, the same ledger value
set again), so running the others twice is harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import redis
from redis.commands.core import Script
from redis.exceptions import NoScriptError

Pipeline = redis.client.Pipeline


def queue(pipe: Pipeline, script: Script, keys: Sequence[str],
          args: Sequence[object]) -> None:
    """Stage ``script`` on ``pipe`` by its SHA (no ``SCRIPT EXISTS`` before the pipeline)."""
    pipe.evalsha(script.sha, len(keys), *keys, *args)


def execute(client: redis.Redis, stage: Callable[[Pipeline], Sequence[Script]]
            ) -> list[object]:
    """Stage the commands (``stage`` returns the scripts it queued) and run them in one
    round trip; replies as ``execute(raise_on_error=False)``: a failed command's reply is
    its exception. Raises :class:`redis.RedisError` when the call itself fails."""
    pipe = client.pipeline(transaction=False)
    scripts = stage(pipe)
    replies = list(pipe.execute(raise_on_error=False))
    if not any(isinstance(r, NoScriptError) for r in replies):
        return replies
    for script in scripts:
        script.sha = client.script_load(script.script)
    pipe = client.pipeline(transaction=False)
    stage(pipe)
    return list(pipe.execute(raise_on_error=False))
