"""A score that is not a finite number is never served: the lead whose model returned NaN
or ±inf is dead-lettered as ``scoring_failed`` saying so, every other lead is scored (with
the grade of its own score), and the monitors count the failure; a shadow challenger's
NaN costs its comparisons, never a served score."""

from __future__ import annotations

import math

import pytest

from schemas.errors import RejectReason
from scoring.grades import GradeScale
from scoring.serving import ServingPlan
from streams.scorer.batch import BatchStep, OutputTopics
from tests.unit.streams.scorer.fakes import MemoryDedup, non_finite
from tests.unit.streams.scorer.test_isolation import TOPICS, _consumed, _lead, _split
from tests.unit.streams.scorer.test_reasons_records import _challenger, _shadow_plan


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_lead_whose_score_is_not_finite_is_dead_lettered_not_graded(tiny_model, bad):
    model = non_finite(tiny_model, "engagement_score", 66.0, bad)
    values = [_lead(i, 66.0 if i in (4, 31) else 10.0 + i) for i in range(40)]
    dedup = MemoryDedup()
    result = BatchStep(ServingPlan(model), dedup, TOPICS).run(_consumed(values), "0:0-39")
    scored, dead, samples = _split(result)
    assert sorted(d.source_offset for d in dead) == [4, 31]
    assert {d.reason for d in dead} == {RejectReason.SCORING_FAILED}
    assert all("not finite" in d.message for d in dead)
    assert sorted(s.lead_id for s in scored) == sorted(
        f"L{i}" for i in range(40) if i not in (4, 31))
    assert all(math.isfinite(s.score) for s in scored)
    grades = GradeScale()
    assert [s.grade for s in scored] == [
        grades.assign([s.score])[0] for s in scored]  # each lead its own score's grade
    assert sum(s.n_failed for s in samples) == 2
    assert {c.event_id for c in dedup.released} == {"e4", "e31"}  # resends get scored


def test_a_shadow_challenger_with_nan_scores_costs_its_comparisons_not_a_score(tiny_model):
    challenger = non_finite(_challenger(tiny_model), "engagement_score", 66.0, math.nan)
    values = [_lead(i, 66.0 if i == 3 else 20.0 + i) for i in range(10)]
    step = BatchStep(_shadow_plan(tiny_model, challenger), MemoryDedup(),
                     OutputTopics("scored", "dead", "shadow", "samples"))
    result = step.run(_consumed(values), "0:0-9")
    scored, dead, _ = _split(result)
    assert len(scored) == 10 and not dead and result.shadowed == 0
    assert "not finite" in result.shadow_error
