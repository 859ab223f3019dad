"""Event-id de-duplication of CRM resends, in Redis, safe under abort+retry and kill -9.

A lead's claims are lines of its state key, ``leadstream:lead:<lead_id>``
(:mod:`streams.stores.lead_state`, shared with the ledger row and the score history):
each scored event with an ``event_id`` claims that id, storing where it was read
(``partition:offset``; the topic is the scorer's input topic) and when. A claim older than
``ttl_s`` is dropped by the next claim of its lead (the key itself lives as long as the
longest of the lead's retentions), and a lead holds at most ``lead_max_events`` claims
(beyond it the oldest is dropped: a resend that old is scored again). An event id is
therefore a duplicate only among its own lead's events (a CRM resends an event with its
lead). The event is a duplicate only if the id is held by *another* source position: the
same position seen again is the batch being processed again after an abort or a crash,
not a resend. One script call per batch is one round trip
(:mod:`streams.stores.dedup_lua`; the three-key layout of earlier releases is converted
when a lead is next touched).

The claims of events that were then not scored (dead-lettered as ``scoring_failed`` or
``internal_error``) are released with :meth:`Deduplicator.release`, which deletes a claim
only while it still holds that event's source: the CRM's resend of such an event is
scored, not dead-lettered as ``duplicate_event``.

If Redis is down or slow (beyond ``timeout_s``), the batch is scored without
de-duplication: scoring never waits on Redis. The outage is logged once, when it starts
and when it ends, and while it lasts Redis is only tried again every ``retry_s``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from streams.stores import lead_state
from streams.stores.dedup_lua import CLAIM_LUA, FORGET_LUA, RELEASE_LUA
from streams.stores.scripts import queue

log = logging.getLogger(__name__)

KEY_PREFIX = "leadstream:dedup:"
"""Claims of the release before the three-key layout (one key per event id): gone with
their TTL."""
DEFAULT_LEAD_MAX_EVENTS = 1000

class Claim(NamedTuple):
    """An event asking to be the first of its ``event_id``."""

    event_id: str
    source: str
    """``topic:partition:offset`` of the event."""
    lead_id: str | None = None
    """The event's lead: the hash its claim is kept in (``None``: one shared hash)."""


def lead_index_key(lead_id: str) -> str:
    """The key holding a lead's claims (its state key)."""
    return lead_state.key(lead_id)


def held(client: redis.Redis, lead_id: str) -> dict[str, str]:
    """The lead's claims as stored: escaped event id → ``partition:offset:<epoch_s in
    base 36>``."""
    _, _, lines = lead_state.sections(client.get(lead_state.key(lead_id)))
    return dict(line[1:].split("\t", 1) for line in lines.splitlines())


def _keys(claims: Sequence[Claim]) -> list[str]:
    return [lead_state.key(c.lead_id or "") for c in claims]


def _ids(claims: Sequence[Claim]) -> list[str]:
    return [lead_state.escape_id(c.event_id) for c in claims]


class Deduplicator:
    """Finds the resends in a batch; tells ``on_outage`` about batches it could not check."""

    def __init__(self, client: redis.Redis | None, ttl_s: int, retry_s: float = 1.0,
                 on_outage: Callable[[], None] = lambda: None,
                 clock: Callable[[], float] = time.monotonic,
                 lead_max_events: int = DEFAULT_LEAD_MAX_EVENTS, key_ttl_s: int = 0,
                 now: Callable[[], float] = time.time):
        self._client = client
        self._ttl_s = ttl_s
        self._key_ttl_s = max(key_ttl_s, ttl_s)
        """The lead key's TTL (:func:`streams.stores.lead_state.key_ttl_s`)."""
        self._now = now
        self._lead_max = lead_max_events
        self._retry_s = retry_s
        self._on_outage = on_outage
        self._clock = clock
        self._script = client.register_script(CLAIM_LUA) if client is not None else None
        self._release = client.register_script(RELEASE_LUA) if client is not None else None
        self._forget = client.register_script(FORGET_LUA) if client is not None else None
        self._down_since: float | None = None
        self._next_try = 0.0
        self.skipped_batches = 0

    @classmethod
    def from_url(cls, url: str, timeout_s: float, ttl_s: int, **kwargs) -> Deduplicator:
        client = redis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0), health_check_interval=0,
        )
        return cls(client, ttl_s, **kwargs)

    @property
    def enabled(self) -> bool:
        return self._client is not None and self._ttl_s > 0

    def duplicates(self, claims: Sequence[Claim]) -> dict[int, str]:
        """Index → first source, for each claim whose event id was already taken elsewhere."""
        if not self.asking(claims):
            return {}
        try:
            taken: object = self._script(**self._claim_args(claims))  # type: ignore[misc]
        except redis.RedisError as exc:
            taken = exc
        return self.answer(taken)

    def asking(self, claims: Sequence[Claim]) -> bool:
        """Whether ``claims`` go to Redis (False: none, off, or Redis down moments ago —
        then the batch counts as scored without de-duplication)."""
        if not claims or not self.enabled:
            return False
        if self._down_since is not None and self._clock() < self._next_try:
            self._skip()
            return False
        return True

    def stage(self, pipe: redis.client.Pipeline, claims: Sequence[Claim]) -> None:
        """Queue the claim call on ``pipe`` (read with other calls, run by
        :func:`streams.stores.scripts.execute` with :attr:`scripts`; :meth:`answer`)."""
        queue(pipe, self._script, **self._claim_args(claims))  # type: ignore[arg-type]

    @property
    def scripts(self) -> tuple:
        """The scripts :meth:`stage` may queue (loaded again if Redis lost them)."""
        return () if self._script is None else (self._script,)

    def _claim_args(self, claims: Sequence[Claim]) -> dict:
        return {"keys": _keys(claims),
                "args": [self._key_ttl_s, self._ttl_s, self._lead_max,
                         lead_state.stamp(self._now()),
                         "\n".join([c.source for c in claims]), *_ids(claims)]}

    def answer(self, taken: object) -> dict[int, str]:
        """The duplicates in a claim call's reply (or the exception it raised)."""
        if isinstance(taken, Exception):
            self._went_down(taken)
            return {}
        self._came_back()
        pairs = list(taken)  # type: ignore[call-overload]
        return {int(i): _text(h) for i, h in zip(pairs[::2], pairs[1::2], strict=True)}

    @property
    def client(self) -> redis.Redis | None:
        return self._client

    def release(self, claims: Sequence[Claim]) -> int:
        """Give back claims of events that were not scored; how many keys were deleted.

        Best effort: while Redis is down the claims stay until their TTL (logged)."""
        if not claims or not self.enabled or self._release is None:
            return 0
        try:
            return int(self._release(keys=_keys(claims),
                                     args=[self._key_ttl_s, lead_state.stamp(self._now()),
                                           "\n".join([c.source for c in claims]),
                                           *_ids(claims)]))
        except redis.RedisError as exc:
            log.warning("cannot release %d event-id claims of events that were not scored "
                        "(%s): their resends count as duplicates until the claims expire",
                        len(claims), exc)
            return 0

    def forget(self, lead_id: str) -> int:
        """Delete the lead's state key (its claims, history and ledger row: an erased lead
        keeps nothing) and its claims of the earlier layout; claims and keys deleted.
        Raises :class:`redis.RedisError` (an erasure is retried, never skipped)."""
        if self._forget is None:
            return 0
        return int(self._forget(keys=[lead_state.key(lead_id)],
                                args=[lead_state.OLD_CLAIMS + lead_id]))

    def _skip(self) -> None:
        self.skipped_batches += 1
        self._on_outage()

    def _went_down(self, exc: Exception) -> None:
        if self._down_since is None:
            self._down_since = self._clock()
            log.warning("Redis is unavailable (%s): scoring goes on without event-id "
                        "de-duplication until it is back", exc)
        self._next_try = self._clock() + self._retry_s
        self._skip()

    def _came_back(self) -> None:
        if self._down_since is not None:
            log.warning("Redis is back after %.1fs (%d batches scored without "
                        "de-duplication)", self._clock() - self._down_since, self.skipped_batches)
            self._down_since = None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
