"""Shadow comparison records and the mergeable summary, against numpy on the same data."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from scoring.experiments.shadow import ShadowSummary, shadow_comparisons
from scoring.grades import GradeScale

NOW = datetime(2025, 3, 1, tzinfo=UTC)


def _records(n: int, seed: int):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 1, n)
    b = np.clip(a + rng.normal(0, 0.1, n), 0, 1)
    la, lb = rng.uniform(0.1, 2, n), rng.uniform(0.1, 3, n)
    recs = shadow_comparisons("m", [f"l{i}" for i in range(n)], [None] * n, "1", "2",
                              a, b, la, lb, GradeScale(), NOW)
    return recs, a, b, la, lb


def test_records_carry_both_scores_grades_and_diff():
    recs = shadow_comparisons("m", ["a", "b"], ["e1", None], "1", "2",
                              np.array([0.85, 0.2]), np.array([0.6, 0.25]), 1.5,
                              np.array([2.0, 3.0]), GradeScale(), NOW)
    assert recs[0].champion_grade == "A" and recs[0].challenger_grade == "B"
    assert recs[0].abs_diff == pytest.approx(0.25) and not recs[0].grades_agree
    assert recs[1].grades_agree and recs[1].champion_latency_ms == 1.5
    assert recs[1].challenger_latency_ms == 3.0 and recs[0].event_id == "e1"


def test_summary_matches_numpy():
    recs, a, b, la, lb = _records(500, 1)
    s = ShadowSummary.of(recs)
    assert s.n == 500
    assert s.mean_abs_diff == pytest.approx(np.abs(b - a).mean())
    assert s.correlation == pytest.approx(np.corrcoef(a, b)[0, 1])
    bounds = [0.3, 0.5, 0.8]  # the default grades D < C < B < A, by hand
    agree = np.digitize(a, bounds) == np.digitize(b, bounds)
    assert s.grade_agreement == pytest.approx(np.mean(agree))
    assert s.mean_latency_ms == pytest.approx((la.mean(), lb.mean()))
    assert s.latency_max_challenger == pytest.approx(lb.max())


def test_merge_is_exact_and_order_free():
    recs, *_ = _records(301, 2)
    whole = ShadowSummary.of(recs)
    parts = [ShadowSummary.of(recs[i:i + 37]) for i in range(0, 301, 37)]
    forward, backward = ShadowSummary(), ShadowSummary()
    for p in parts:
        forward = forward.merge(p)
    for p in reversed(parts):
        backward = backward.merge(p)
    for merged in (forward, backward):
        assert merged.n == whole.n and merged.agree == whole.agree
        assert merged.correlation == pytest.approx(whole.correlation, rel=1e-9)
        assert merged.mean_abs_diff == pytest.approx(whole.mean_abs_diff, rel=1e-9)


def test_empty_and_constant_summaries():
    assert ShadowSummary().correlation is None and ShadowSummary().mean_abs_diff is None
    recs = shadow_comparisons("m", ["a", "b"], [None, None], "1", "2", np.array([0.5, 0.5]),
                              np.array([0.4, 0.6]), 1.0, 1.0, GradeScale(), NOW)
    assert ShadowSummary.of(recs).correlation is None
