"""Labelled shadow pairs: the champion's and the shadow challenger's scores of the same
leads, with their outcome, per (model, champion version, challenger version).

When the outcome agent joins an outcome with a ledger entry that carries a shadow score
(:attr:`~schemas.ledger.LedgerEntry.challenger_score`), it records one triple under the
pair of versions that scored the lead:

- ``leadstream:shadow-labels:<model>:<champion>:<challenger>``        hash lead_id →
  ``label,champion_score,challenger_score,time_ms``
- ``leadstream:shadow-labels:<model>:<champion>:<challenger>:order``  sorted set lead_id →
  first label time (ms)
- ``leadstream:shadow-labels:<model>:<champion>:<challenger>:count``  triples ever added

The rules are the label windows' (:mod:`streams.stores.labels`, the same Lua script): a
triple is keyed by lead id, so a redelivered outcome adds nothing; a conversion after an
earlier "not converted" turns the label to 1, never back; the ``cap`` triples with the
newest first label are kept, the oldest dropped atomically; every key expires ``ttl_s``
(the ledger's TTL) after the pair's last label; the hash key enters
``leadstream:labels-index``, so :meth:`LabelWindow.forget` erases a lead here too. Reads
raise :class:`redis.RedisError`; :func:`read_pair` is the controller's and the CLI's read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import redis

from schemas.experiments import Outcome
from schemas.ledger import LedgerEntry
from streams.settings import Settings
from streams.stores.labels import DEFAULT_TTL_S, RECORD_SCRIPT, WINDOWS
from streams.stores.ledger import redis_client

PREFIX = "leadstream:shadow-labels:{model}:{champion}:{challenger}"


@dataclass(frozen=True)
class ShadowLabels:
    """One pair's labelled leads, aligned: outcome (0/1), champion and challenger scores."""

    labels: np.ndarray
    champion: np.ndarray
    challenger: np.ndarray

    def __len__(self) -> int:
        return int(self.labels.size)


class ShadowLabelWindow:
    def __init__(self, client: redis.Redis, cap: int, ttl_s: int = DEFAULT_TTL_S):
        self._client, self.cap, self.ttl_s = client, cap, ttl_s
        self._record = client.register_script(RECORD_SCRIPT)

    @staticmethod
    def key(model: str, champion: str, challenger: str) -> str:
        return PREFIX.format(model=model, champion=champion, challenger=challenger)

    def record(self, entry: LedgerEntry, outcome: Outcome) -> bool:
        """Add the labelled pair of scores of a joined outcome whose entry has a shadow
        score; False if the entry has none or nothing was new."""
        if entry.challenger_score is None or entry.challenger_version is None:
            return False
        key = self.key(entry.model_name, entry.model_version, entry.challenger_version)
        t_ms = int(outcome.occurred_at.timestamp() * 1000)
        value = f"{int(outcome.converted)},{entry.score!r},{entry.challenger_score!r},{t_ms}"
        added = self._record(keys=[key, f"{key}:order", f"{key}:count", WINDOWS],
                             args=[entry.lead_id, value, t_ms, self.cap, self.ttl_s])
        return bool(added)

    def read(self, model: str, champion: str, challenger: str) -> ShadowLabels:
        """The pair's labelled leads (order is Redis's)."""
        raw = self._client.hvals(self.key(model, champion, challenger))
        parts = [v.decode().split(",", 3) for v in raw]
        cols = [np.fromiter((float(p[i]) for p in parts), float, len(parts)) for i in range(3)]
        return ShadowLabels(*cols)


def read_pair(settings: Settings, model: str, champion: str, challenger: str) -> ShadowLabels:
    """One pair's labelled leads, read with a client of its own (blocking; raises
    :class:`redis.RedisError`)."""
    client = redis_client(settings.redis_url, max(settings.redis_timeout_s, 2.0))
    try:
        return ShadowLabelWindow(client, 0).read(model, champion, challenger)
    finally:
        client.close()
