"""Rewriting Redis's persistence files after an erasure, so no file still holds the lead.

Redis keeps its data on disk in two kinds of files (docs/how-to/erase-a-lead.md): the
append-only file (``appendonlydir/``: a base snapshot and every write command since, the
erased lead's writes and its ``DEL``s included) and the RDB snapshot (``dump.rdb``). Erasing
keys changes neither file until Redis rewrites it. :func:`rewrite_persistence` asks for both
rewrites — ``BGREWRITEAOF`` when the append-only file is on, ``BGSAVE SCHEDULE`` when
snapshots are configured (or ``CONFIG`` is refused to us) — and waits until each has run
*after* the erasure: one already running when asked may hold a fork from before it, so it
is waited out and asked again. Redis deletes the replaced files itself.

A refusal (an ACL without the command, a failed child) or the deadline raises
:class:`PersistenceNotRewritten`; a lost connection raises ``redis.RedisError`` (retried
by the caller, like every Redis step of an erasure).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis

from schemas.errors import LeadstreamError

POLL_S = 0.1
Clock = Callable[[], float]


class PersistenceNotRewritten(LeadstreamError):
    """Redis refused to rewrite a persistence file, or did not finish in time."""


# (command, INFO counter of runs, INFO flags of a run under way, INFO status of the last run)
AOF = (("BGREWRITEAOF",), "aof_rewrites", ("aof_rewrite_in_progress", "aof_rewrite_scheduled"),
       "aof_last_bgrewrite_status")
RDB = (("BGSAVE", "SCHEDULE"), "rdb_saves", ("rdb_bgsave_in_progress",),
       "rdb_last_bgsave_status")


def _snapshots_configured(client: redis.Redis) -> bool:
    try:
        return bool(str(client.config_get("save").get("save", "")).strip())
    except redis.ResponseError:  # CONFIG refused (ACL, managed Redis): save to be sure
        return True


def rewrite_persistence(client: redis.Redis, wait_s: float,
                        clock: Clock = time.monotonic) -> list[str]:
    """Rewrite every persistence file Redis keeps; the files rewritten (``aof``, ``rdb``)."""
    deadline = clock() + wait_s
    info = client.info("persistence")
    kinds = [("aof", AOF)] if int(info.get("aof_enabled", 0)) else []
    if _snapshots_configured(client):
        kinds.append(("rdb", RDB))
    for name, kind in kinds:
        _run_after_now(client, name, kind, deadline, clock)
    return [name for name, _ in kinds]


def _run_after_now(client: redis.Redis, name: str, kind: tuple, deadline: float,
                   clock: Clock) -> None:
    command, counter, busy_flags, status = kind
    while True:
        before = int(client.info("persistence").get(counter, 0))
        try:
            client.execute_command(*command)
            break
        except redis.ResponseError as exc:
            if "in progress" not in str(exc):
                raise PersistenceNotRewritten(f"Redis refused {' '.join(command)}: {exc}") \
                    from exc
        _wait(client, lambda i: not any(int(i.get(f, 0)) for f in busy_flags), name,
              deadline, clock)  # one from before the erasure: wait it out, ask again
    done = _wait(client, lambda i: int(i.get(counter, 0)) > before
                 and not any(int(i.get(f, 0)) for f in busy_flags), name, deadline, clock)
    if done.get(status) != "ok":
        raise PersistenceNotRewritten(f"Redis's {name} rewrite failed ({status}: "
                                      f"{done.get(status)}); see its log")


def _wait(client: redis.Redis, ready: Callable[[dict], bool], name: str, deadline: float,
          clock: Clock) -> dict:
    while True:
        info = client.info("persistence")
        if ready(info):
            return info
        if clock() >= deadline:
            raise PersistenceNotRewritten(f"Redis's {name} rewrite did not finish in time")
        time.sleep(POLL_S)
