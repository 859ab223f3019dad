"""What the demo waits for, read off the output topics with deadlines (never fixed sleeps)."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from schemas.errors import RetryableError
from streams.kafka.reader import TopicReader
from streams.settings import Settings


class DemoTimeout(RetryableError):
    """Something the demo waits for did not happen in time; the message says what."""


@dataclass
class Outputs:
    """Every record the scorer published since the watcher was opened."""

    scored: list[dict] = field(default_factory=list)
    dead: list[dict] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.scored) + len(self.dead)

    def grades(self) -> Counter:
        return Counter(r["grade"] for r in self.scored)

    def reasons(self) -> Counter:
        return Counter(r["reason"] for r in self.dead)

    def versions(self) -> Counter:
        return Counter(r["model_version"] for r in self.scored)

    def latency_ms(self, q: float) -> float:
        return float(np.quantile([r["latency_ms"] for r in self.scored], q))


class OutputWatcher:
    """Reads ``leads.scored`` and ``leads.deadletter`` from their ends as of now."""

    def __init__(self, settings: Settings):
        self._scored = TopicReader(settings, settings.topic_scored, from_end=True)
        self._dead = TopicReader(settings, settings.topic_deadletter, from_end=True)
        self.outputs = Outputs()

    def poll(self) -> Outputs:
        for rec in self._scored.poll(0.2, 5000):
            self.outputs.scored.append(json.loads(rec.value or b"{}"))
        for rec in self._dead.poll(0.0, 5000):
            self.outputs.dead.append(json.loads(rec.value or b"{}"))
        return self.outputs

    def until(self, done: Callable[[Outputs], bool], timeout_s: float, what: str,
              tick: Callable[[], None] = lambda: None) -> Outputs:
        """Poll until ``done``; ``tick`` runs between polls (it may raise to give up)."""
        deadline = time.monotonic() + timeout_s
        while not done(self.poll()):
            tick()
            if time.monotonic() > deadline:
                raise DemoTimeout(f"{what}: not seen within {timeout_s:.0f}s")
        return self.outputs

    def close(self) -> None:
        self._scored.close()
        self._dead.close()


class RecordWatcher:
    """New records of one topic from the moment it is opened (open it before acting)."""

    def __init__(self, settings: Settings, topic: str):
        self.topic = topic
        self._reader = TopicReader(settings, topic, from_end=True)

    def first(self, match: Callable[[dict], bool], timeout_s: float, what: str,
              tick: Callable[[], None] = lambda: None) -> dict:
        """The first record ``match`` accepts; ``tick`` runs between polls."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            tick()
            for rec in self._reader.poll(0.2):
                doc = json.loads(rec.value or b"{}")
                if match(doc):
                    return doc
        raise DemoTimeout(f"{what}: nothing on {self.topic} within {timeout_s:.0f}s")

    def close(self) -> None:
        self._reader.close()
