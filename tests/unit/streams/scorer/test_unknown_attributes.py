"""A misspelled attribute on a live event is counted, never silent: the lead is scored (the
feature missing), the scorer counts the name in Prometheus and the champion's monitor
sample, and logs one warning per new name per model — the name sanitised, never a value."""

from __future__ import annotations

import json
import logging

from schemas.monitor import MonitorSample
from schemas.scored import ScoredLead
from scoring.serving import ServingPlan
from streams.scorer.batch import BatchStep
from streams.scorer.bookkeeping import BatchBook
from streams.scorer.metrics import Progress, ScorerMetrics
from tests.unit.streams.scorer.fakes import MemoryDedup
from tests.unit.streams.scorer.test_isolation import TOPICS, _consumed


def _events(first: int, n: int, **extra: object) -> list[bytes]:
    return [json.dumps({"lead_id": f"L{first + i}", "industry": "saas",
                        "engagement-score": 88 + i, **extra}).encode() for i in range(n)]


def test_a_misspelled_attribute_is_counted_per_name_and_warned_once(tiny_model, caplog):
    step = BatchStep(ServingPlan(tiny_model), MemoryDedup(), TOPICS)
    metrics = ScorerMetrics()
    book = BatchBook(metrics, Progress(metrics), None)
    hostile = "x\n" + "y" * 200  # a lead-controlled name: cut and masked
    with caplog.at_level(logging.WARNING):
        first = step.run(_consumed(_events(0, 5)), "0:0-4")
        second = step.run(_consumed(_events(5, 3, **{hostile: "SECRET-VALUE"}), 5), "0:5-7")
    for result in (first, second):
        book.count(result, 0.0)
    scored = [ScoredLead.model_validate_json(r.value) for r in first.records
              if r.topic == "scored"]
    assert len(scored) == 5  # scored, engagement_score missing
    label = "x?" + "y" * 61 + "~"
    assert first.unknown_attributes == {"engagement-score": 5}
    assert second.unknown_attributes == {"engagement-score": 3, label: 3}
    value = metrics.registry.get_sample_value
    assert value("leadstream_scorer_unknown_attributes_total", {"name": "engagement-score"}) == 8
    assert value("leadstream_scorer_unknown_attributes_total", {"name": label}) == 3
    samples = [MonitorSample.model_validate_json(r.value) for r in second.records
               if r.topic == "samples"]
    assert [s.unknown_attributes for s in samples] == [{"engagement-score": 3, label: 3}]
    warnings = [r.getMessage() for r in caplog.records if "does not know" in r.getMessage()]
    assert len(warnings) == 2  # one per new name, not per batch
    assert "'engagement-score'" in warnings[0] and tiny_model.label in warnings[0]
    assert label in warnings[1]
    assert not any("SECRET" in r.getMessage() or "L1" in r.getMessage()
                   for r in caplog.records)


def test_only_scored_events_count_not_a_resend_dead_lettered(tiny_model):
    values = [json.dumps({"lead_id": f"L{i}", "event_id": f"e{i % 3}", "emp-var-rate": 1.1}
                         ).encode() for i in range(4)]  # the 4th resends e0
    result = BatchStep(ServingPlan(tiny_model), MemoryDedup(), TOPICS).run(
        _consumed(values), "0:0-3")
    assert result.dead_letters == {"duplicate_event": 1} and result.scored == 3
    assert result.unknown_attributes == {"emp-var-rate": 3}
    samples = [MonitorSample.model_validate_json(r.value) for r in result.records
               if r.topic == "samples"]
    assert [s.unknown_attributes for s in samples] == [{"emp-var-rate": 3}]
