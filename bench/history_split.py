"""Where the score history's cost per batch goes, history on against off in one process::

    python -m bench.history_split [--batch 1000] [--batches 60] [--redis-port 46393] [--ref REV]

On a throw-away redis-server (the stack's persistence), each batch of ``--batch`` new
leads (:func:`bench.scorer_redis.batch_of`) runs the scorer's Redis calls with its own
classes, the history on and off in alternating order batch by batch (same Redis, same
load): ``read`` (claims, and with the history the previous scores:
:func:`streams.scorer.state_read.read_state`), ``before`` (the history entries before the
transaction; off: nothing) and ``after`` (history marked committed with the ledger rows;
off: the ledger rows alone, :class:`streams.scorer.bookkeeping.BatchBook`). Per mode and
phase: the client's wall time, the client thread's CPU and Redis's own time (``INFO
commandstats``, a script's own calls counted once), ms per batch (mean), and the
difference on - off. With ``--ref REV`` (a git revision), a third mode ``ref`` runs the
history on with ``streams/stores/history.py`` as it is at ``REV`` (its scripts), in the
same rotation: before and after in one run.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

from bench.bench_io import machine_line, throwaway_redis
from bench.scorer_redis import batch_of, server_us
from streams.scorer.bookkeeping import BatchBook
from streams.scorer.metrics import Progress, ScorerMetrics
from streams.scorer.state_read import read_state
from streams.scorer.trends import TrendSource
from streams.settings import Settings
from streams.stores.dedup import Deduplicator
from streams.stores.history import History
from streams.stores.ledger import Ledger

PHASES = ("read", "before", "after")
COLUMNS = ("wall", "cpu", "server")


def history_at(rev: str) -> type:
    """The ``History`` class as it is at ``rev``."""
    src = subprocess.check_output(["git", "show", f"{rev}:streams/stores/history.py"], text=True)
    path = Path(tempfile.mkdtemp(prefix="history-split-")) / "ref_history.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("ref_history", path)
    assert spec is not None and spec.loader is not None
    module = sys.modules["ref_history"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.History


def measure(s: Settings, batch: int, batches: int, ref: str | None
            ) -> dict[str, dict[str, list[float]]]:
    client = redis.Redis.from_url(s.redis_url)
    dedup = Deduplicator(client, 86_400)
    metrics = ScorerMetrics()
    sources = {"on": TrendSource(History(client, s.history_max_entries, 86_400)),
               "off": TrendSource(None)}
    if ref:
        sources["ref"] = TrendSource(history_at(ref)(client, s.history_max_entries, 86_400))
    modes = list(sources)
    books = {m: BatchBook(metrics, Progress(metrics), Ledger(client, 86_400), t)
             for m, t in sources.items()}
    out = {f"{m} {p} {c}": [] for m in modes for p in PHASES for c in COLUMNS}
    for k in range(len(modes) * batches):
        turn = k // len(modes)  # each turn runs every mode once, in a rotated order
        mode = modes[(k + turn) % len(modes)]
        claims, asks, result = batch_of(k, batch)
        trends, book = sources[mode], books[mode]
        steps = ((read_state, (dedup, trends, claims, asks)), (book.before, (result,)),
                 (book.record, (result,)))
        for phase, (step, args) in zip(PHASES, steps, strict=True):
            us0 = server_us(client)
            t0, c0 = time.perf_counter(), time.thread_time()
            step(*args)
            wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
            out[f"{mode} {phase} wall"].append(wall * 1000)
            out[f"{mode} {phase} cpu"].append(cpu * 1000)
            out[f"{mode} {phase} server"].append((server_us(client) - us0) / 1000)
    for book in books.values():
        book.close()
    client.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--batches", type=int, default=60)
    ap.add_argument("--redis-port", type=int, default=46393)
    ap.add_argument("--ref", default=None, help="git revision of history.py to compare with")
    a = ap.parse_args()
    load = os.getloadavg()
    with throwaway_redis(a.redis_port, "leadstream-history-split-") as s:
        r = measure(s, a.batch, a.batches, a.ref)
    end = os.getloadavg()
    modes = [m for m in ("on", "off", "ref") if f"{m} read wall" in r]
    print(f"history on/off, {a.batches} batches of {a.batch:,} new leads each, alternated "
          f"(ms per batch, mean; cpu = the client thread's, incl. the bookkeeping writer's "
          f"pipeline when waited for; server = INFO commandstats):")
    diffs = [m for m in modes if m != "off"]
    print(f"{'phase':8s}" + "".join(f"{m + ' ' + c:>12s}" for c in COLUMNS for m in modes)
          + "".join(f"{m + '-off ' + c:>14s}" for c in COLUMNS for m in diffs))
    totals = {f"{m} {c}": 0.0 for m in modes for c in COLUMNS}
    for p in [*PHASES, "total"]:
        if p == "total":
            means = totals
        else:
            means = {f"{m} {c}": statistics.mean(r[f"{m} {p} {c}"])
                     for m in modes for c in COLUMNS}
            for name, v in means.items():
                totals[name] += v
        print(f"{p:8s}" + "".join(f"{means[f'{m} {c}']:12.2f}" for c in COLUMNS for m in modes)
              + "".join(f"{means[f'{m} {c}'] - means[f'off {c}']:14.2f}"
                        for c in COLUMNS for m in diffs))
    print(machine_line(load, end))


if __name__ == "__main__":
    main()
