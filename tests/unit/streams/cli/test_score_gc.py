"""The scorer's garbage-collector settings: a batch of 1,000 leads (reasons on) runs
without a collection, where Python's default thresholds collect several times."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator

import pytest
from confluent_kafka import Message

from scoring.grades import GradeScale
from scoring.serving import ServingPlan
from streams.cli.score import GC_THRESHOLDS, freeze_startup_heap
from streams.kafka.io import Consumed, translate
from streams.scorer.batch import BatchStep, OutputTopics
from streams.scorer.explain import Explanations
from tests.unit.scoring.conftest import random_columns
from tests.unit.streams.scorer.fakes import MemoryDedup


def _batch(seed: int, n: int = 1000) -> Consumed:
    cols = random_columns(n, seed)
    return translate([Message(
        topic="in", partition=0, offset=n * seed + i, key=f"L{seed}-{i}".encode(),
        value=json.dumps({"lead_id": f"L{seed}-{i}", "event_id": f"e{seed}-{i}",
                          **{k: v[i] for k, v in cols.items() if v[i] is not None}}).encode(),
        timestamp=(1, 1000)) for i in range(n)])


@pytest.fixture
def collections() -> Iterator[list[str]]:
    before = gc.get_threshold()
    seen: list[str] = []

    def watch(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(phase)

    gc.callbacks.append(watch)
    try:
        yield seen
    finally:
        gc.callbacks.remove(watch)
        gc.unfreeze()
        gc.set_threshold(*before)


def test_a_batch_runs_without_a_collection(tiny_model, collections):
    step = BatchStep(ServingPlan(champion=tiny_model), MemoryDedup(),
                     OutputTopics("s", "d", None, "m"),
                     explanations=Explanations(3, GradeScale(), frozenset({"A"})))
    batches = [_batch(s) for s in range(3)]
    step.run(batches[0], "warm")
    gc.set_threshold(700, 10, 10)  # Python's default: collects within a batch
    gc.collect()
    step.run(batches[1], "t")
    assert len(collections) > 1
    freeze_startup_heap()
    assert gc.get_threshold() == GC_THRESHOLDS
    collections.clear()
    step.run(batches[2], "t")
    assert collections == []
