"""The throughput bench's configuration and its progress lines."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class BenchConfig:
    events: int = 200_000
    naive_events: int = 5_000
    rate: float = 2_000.0
    latency_s: float = 15.0
    warmup_s: float = 2.0
    seed: int = 3
    repeat_leads: int = 1_000
    """Leads scored 20 times each for the state-per-lead measurement (0: skipped)."""
    train_rows: int = 20_000
    child_timeout_s: float = 120.0
    rounds: int = 3
    """Drains of each variant, interleaved (:mod:`bench.rounds`)."""
    fast_repeat: int = 5
    """(b) and (b') drain the input this many times over (≥ 10 s at their rate)."""
    variants: tuple[str, ...] = ("leadstream_bare", "leadstream_no_reasons", "leadstream",
                                 "leadstream_no_history", "passthrough_txn",
                                 "passthrough_plain", "naive", "leadstream_shadow")
    """Drain variants to run (the smoke test runs a subset); 0 ``latency_s`` skips latency."""


class Say:
    """Progress lines with the time since the bench started."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()

    def __call__(self, text: str) -> None:
        print(f"[{time.monotonic() - self.t0:6.1f}s] {text}", flush=True)
