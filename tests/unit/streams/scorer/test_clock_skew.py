"""A lead stamped a day ahead (a CRM host with a wrong clock) is scored, but its time is
left out of the batch's monitor sample range and counted as clock-skewed."""

from __future__ import annotations

import json
import time

from confluent_kafka import Message

from schemas.monitor import MonitorSample
from schemas.scored import ScoredLead
from scoring.model import ServingModel
from scoring.serving import ServingPlan
from streams.kafka.io import translate
from streams.scorer.batch import BatchStep, OutputTopics
from streams.stores.dedup import Deduplicator
from tests.unit.scoring.conftest import random_columns

DAY_MS = 24 * 3600 * 1000


def test_one_lead_a_day_ahead_is_scored_but_kept_off_the_event_time_range(
        tiny_model: ServingModel) -> None:
    now_ms = int(time.time() * 1000)
    cols = random_columns(20, seed=3)
    stamps = [now_ms - 1000 + i for i in range(20)]
    stamps[7] = now_ms + DAY_MS
    stamps[9] = now_ms - 30 * DAY_MS
    msgs = [Message(topic="in", partition=0, offset=i, key=f"L{i}".encode(),
                    value=json.dumps({"lead_id": f"L{i}", **{k: v[i] for k, v in cols.items()
                                                              if v[i] is not None}}).encode(),
                    timestamp=(1, stamps[i])) for i in range(20)]
    step = BatchStep(ServingPlan(tiny_model), Deduplicator(None, 0),
                     OutputTopics("scored", "dead", None, "samples"), sample_prefix="t")
    result = step.run(translate(msgs))
    scored = [ScoredLead.model_validate_json(r.value) for r in result.records
              if r.topic == "scored"]
    (sample,) = [MonitorSample.model_validate_json(r.value) for r in result.records
                 if r.topic == "samples"]
    assert len(scored) == 20 and sample.n_scored == 20
    assert sample.n_clock_skewed == 2
    genuine = [t for i, t in enumerate(stamps) if i not in (7, 9)]
    assert (sample.event_time_min_ms, sample.event_time_max_ms) == (min(genuine), max(genuine))
