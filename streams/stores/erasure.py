"""Erasing one lead from every Redis structure: a list of erasers, one per store.

Each eraser is a store's ``forget(lead_id) -> int`` (how many keys, hash fields or set
members it removed) under the structure's name. :func:`erasers` lists them all; a new
store that keeps per-lead data adds one line here. :func:`erase` runs them in order and
returns ``{structure: removed}``; a Redis error is raised (the agent retries the request:
every eraser is idempotent, a second run removes 0).

What stays: counters and sums over many leads (experiment tallies, label counts), which
hold no lead's data.
"""

from __future__ import annotations

from collections.abc import Callable

import redis

from streams.settings import Settings
from streams.stores.dedup import Deduplicator
from streams.stores.delivered import Delivered
from streams.stores.experiments import ExperimentStore
from streams.stores.history import History
from streams.stores.labels import LabelWindow
from streams.stores.ledger import Ledger
from streams.stores.parked import ParkedOutcomes

Eraser = Callable[[str], int]


def erasers(client: redis.Redis, settings: Settings) -> dict[str, Eraser]:
    """Structure name → its eraser, over one Redis client."""
    ttl_s = settings.ledger_ttl_days * 24 * 3600
    return {
        "ledger": Ledger(client, ttl_s).forget,
        "experiments": ExperimentStore(client, ttl_s).forget,
        "labels": LabelWindow(client, settings.monitor_label_window, ttl_s).forget,
        "parked_outcomes": ParkedOutcomes(client, settings.outcome_park_ttl_s,
                                          settings.outcome_park_max).forget,
        "dedup": Deduplicator(client, settings.dedup_ttl_s).forget,
        "delivered": Delivered(client, settings.sink_delivered_ttl_days * 24 * 3600).forget,
        "history": History(client, settings.history_max_entries,
                           settings.history_ttl_days * 24 * 3600).forget,
    }


def erase(erasers_by_name: dict[str, Eraser], lead_id: str) -> dict[str, int]:
    """Run every eraser on ``lead_id``; what each removed."""
    return {name: forget(lead_id) for name, forget in erasers_by_name.items()}
