"""The throughput bench at a tiny size on the session's stack, so that it cannot rot.

The two baseline kinds drain a small backlog in two interleaved rounds (a process start
costs seconds here), and the leadstream scorer (its real CLI) serves the latency phases.
"""

from __future__ import annotations

import pytest

from bench.report import table
from bench.throughput import BenchConfig, Say, run
from streams.settings import Settings

pytestmark = pytest.mark.integration

TINY = BenchConfig(events=2000, naive_events=100, rate=500.0, latency_s=2.0, warmup_s=0.5,
                   train_rows=3000, child_timeout_s=50.0, variants=("passthrough_txn", "naive"),
                   rounds=2, fast_repeat=2)


def test_bench_measures_baselines_and_scorer_latency(stack_settings: Settings) -> None:
    doc = run(stack_settings, TINY, Say())

    assert doc["drain"]["passthrough_txn"]["events"] == 4000  # the input twice over
    assert doc["drain"]["naive"]["events"] == 100
    for d in doc["drain"].values():
        assert [r["round"] for r in d["rounds"]] == [1, 2]
        assert d["leads_per_s"] > 0 and d["peak_rss_mb"] > 0
        assert d["leads_per_s_min"] <= d["leads_per_s"] <= d["leads_per_s_max"]
    assert [r["position"] for r in doc["drain"]["naive"]["rounds"]] == [2, 1]  # interleaved
    lat = doc["latency"]
    assert lat["measured"] == 1000
    assert 0 <= lat["p50_ms"] <= lat["p99_ms"] <= lat["max_ms"]
    found = lat["redis"]  # Redis's own record of what could have stalled the phase
    assert set(found) == {"events", "slow", "aof_rewrites", "aof_delayed_fsync",
                          "total_forks"}
    assert all(e["count"] >= 1 and e["max_ms"] >= 10 for e in found["events"].values())
    assert doc["summary"]["scorer_peak_rss_mb"] > 0
    assert doc["targets"]["(a)/(c) >= 30x"] is None  # (a) was not drained
    assert doc["targets"]["p99 e2e <= 50 ms at 2k/s"] is not None
    assert "(c) naive per-event" in table(doc)
    assert doc["summary"]["a_over_b"] is None and "a_over_b" not in doc["summary"]["unstable"]
