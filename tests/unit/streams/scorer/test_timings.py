"""Stage timings: laps add up to the batch, GC pauses are seen, the tail's owner is named."""

from __future__ import annotations

import gc
import time

from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from streams.scorer.stage_table import render, summary
from streams.scorer.timings import STAGES, StageClock


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_laps_add_up_to_the_batch_and_reach_prometheus():
    registry = CollectorRegistry()
    clock = StageClock(registry)
    clock.start()
    try:
        clock.begin()
        _spin(0.004)
        clock.lap("predict")
        _spin(0.002)
        clock.lap("commit")
        gc.collect()
        clock.end(10)
    finally:
        clock.close()
    (row,) = clock.batches
    named = dict(zip(STAGES, row, strict=False))
    assert named["predict"] >= 0.004 and named["commit"] >= 0.002
    stages, gc_s, wall, events = sum(row[:len(STAGES)]), row[len(STAGES)], row[-2], row[-1]
    assert abs(stages - wall) < 1e-9 and events == 10
    assert gc_s > 0  # the collection ran inside the batch (its "other" time)
    count = registry.get_sample_value("leadstream_scorer_stage_seconds_count",
                                      {"stage": "predict"})
    assert count == 1
    assert registry.get_sample_value("leadstream_scorer_gc_pause_seconds_count") == 1


def test_gc_outside_a_started_clock_is_not_watched():
    clock = StageClock()
    clock.begin()
    gc.collect()
    clock.end(1)
    assert clock.batches[0][len(STAGES)] == 0.0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.0, 0.005), min_size=20, max_size=200),
       st.sampled_from(STAGES[:-1]), st.floats(0.05, 1.0))
def test_the_stage_that_makes_the_slow_batches_owns_the_tail(base, slow_stage, extra):
    """Every batch spends ``base`` in produce; the slowest 5 % spend ``extra`` more in
    ``slow_stage``: that stage owns p95 and p99, whatever the rest."""
    n = len(base)
    n_slow = max(1, n // 20)
    rows = []
    for i, b in enumerate(base):
        stages = dict.fromkeys(STAGES, 0.0)
        stages["produce"] = b
        if i < n_slow:
            stages[slow_stage] += extra
        wall = sum(stages.values())
        rows.append((*stages.values(), 0.0, 0.0, wall, 100.0))
    s = summary(rows)
    assert s["owner_p95"] == slow_stage and s["owner_p99"] == slow_stage
    assert s["batches"] == n and s["events"] == 100 * n
    assert slow_stage in render("run", s)


def test_an_empty_run_summarises_to_nothing():
    assert summary([])["batches"] == 0
    assert render("run", summary([])) == "run: no batches"
