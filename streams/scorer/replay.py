"""Re-forming an aborted batch exactly, so its ``monitor.samples`` ids stay stable.

The monitor agents read ``monitor.samples`` at-least-once and *uncommitted* (faust reads
``read_committed`` only in its own exactly-once mode), so the samples of an aborted
transaction are seen; they de-duplicate by ``sample_id``, which names the batch's offset
ranges. After an abort, or a kill -9 in the middle of a batch, the batch must therefore be
processed again with the *same* ranges, not with whatever ``consume`` returns next:

- before publishing, the scorer records the batch's :class:`BatchRanges` (in memory, and in
  Redis under its transactional id so a restarted process knows them too);
- a :class:`Replay` then takes only events inside those ranges (across as many consumes
  as needed), hands back the position to seek to for everything beyond, and says when the
  batch is whole. Ranges a committed batch has already passed are dropped.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import redis

from scoring.intake import RawEvent

log = logging.getLogger(__name__)

Part = tuple[str, int]


@dataclass(frozen=True)
class BatchRanges:
    """First and last offset of every partition of a batch."""

    ranges: dict[Part, tuple[int, int]]

    @classmethod
    def of(cls, events: Sequence[RawEvent]) -> BatchRanges:
        out: dict[Part, tuple[int, int]] = {}
        for e in events:
            first, last = out.get((e.topic, e.partition), (e.offset, e.offset))
            out[(e.topic, e.partition)] = (min(first, e.offset), max(last, e.offset))
        return cls(out)

    def tag(self) -> str:
        """Stable text of the ranges, e.g. ``0:100-180,3:7-9`` (the sample id's tail)."""
        return ",".join(f"{p}:{a}-{b}" for (_, p), (a, b) in sorted(self.ranges.items()))

    def to_json(self) -> str:
        return json.dumps([[t, p, a, b] for (t, p), (a, b) in sorted(self.ranges.items())])

    @classmethod
    def from_json(cls, text: str | bytes) -> BatchRanges:
        return cls({(t, int(p)): (int(a), int(b)) for t, p, a, b in json.loads(text)})


@dataclass
class Replay:
    """Collects exactly the events of ``ranges``; everything else is sought back to."""

    ranges: BatchRanges
    deadline_s: float = 30.0
    clock: Callable[[], float] = time.monotonic
    events: list[RawEvent] = field(default_factory=list)
    keys: dict[tuple[int, int], bytes | None] = field(default_factory=dict)
    done: set[Part] = field(default_factory=set)
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def take(self, events: Sequence[RawEvent], keys: dict[tuple[int, int], bytes | None]
             ) -> dict[Part, int]:
        """Keep the events inside the ranges; return ``{partition: offset}`` to seek back to
        (the first event of each partition that is outside its range)."""
        seek: dict[Part, int] = {}
        for e in events:
            part = (e.topic, e.partition)
            if part in seek:
                continue
            span = self.ranges.ranges.get(part)
            if span is None or part in self.done or not span[0] <= e.offset <= span[1]:
                if span is not None and e.offset > span[1]:
                    self.done.add(part)  # the range is whole (or was committed already)
                seek[part] = e.offset
                continue
            self.events.append(e)
            self.keys[(e.partition, e.offset)] = keys.get((e.partition, e.offset))
            if e.offset == span[1]:
                self.done.add(part)
        return seek

    def drop(self, assigned: set[Part]) -> None:
        """Forget ranges of partitions this scorer no longer owns."""
        self.done |= {p for p in self.ranges.ranges if p not in assigned}

    def pending(self) -> list[Part]:
        return [p for p in self.ranges.ranges if p not in self.done]

    def complete(self) -> bool:
        return not self.pending() or self.clock() - self.started > self.deadline_s

    def timed_out(self) -> bool:
        return bool(self.pending()) and self.clock() - self.started > self.deadline_s


class IntentStore:
    """The ranges of the batch in flight, kept in Redis under the transactional id.

    Best effort: with Redis down a kill -9 loses the ranges and the restarted scorer forms
    its first batch afresh (its samples may then overlap the aborted ones); counted by the
    caller through ``on_error``.
    """

    PREFIX = "leadstream:inflight:"

    def __init__(self, client: redis.Redis | None, transactional_id: str, ttl_s: int,
                 on_error: Callable[[str], None] = lambda _msg: None):
        self._client = client
        self._key = self.PREFIX + transactional_id
        self._ttl_s = ttl_s
        self._on_error = on_error

    def command(self, ranges: BatchRanges) -> tuple[str, str, int] | None:
        """``(key, value, ttl_s)`` that records ``ranges`` (sent with the ledger's trip)."""
        if self._client is None:
            return None
        return self._key, ranges.to_json(), self._ttl_s

    def save(self, ranges: BatchRanges) -> None:
        if self._client is None:
            return
        try:
            self._client.set(self._key, ranges.to_json(), ex=self._ttl_s)
        except redis.RedisError as exc:
            self.failed(f"cannot record the batch in flight: {exc}")

    def failed(self, message: str) -> None:
        """Report a failure to record the ranges (also when another client sent them)."""
        self._on_error(message)

    def load(self) -> BatchRanges | None:
        if self._client is None:
            return None
        try:
            raw = self._client.get(self._key)
        except redis.RedisError as exc:
            self._on_error(f"cannot read the batch in flight: {exc}")
            return None
        return BatchRanges.from_json(raw) if raw else None
