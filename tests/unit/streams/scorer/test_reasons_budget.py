"""Reasons fit a time budget per lead: exact while it fits, else approximate, else none — a
slow model (what a latency guardrail rolls back) never slows scoring further, at any
traffic (every run teaches, a run of one lead too); a lead downgraded from exact to
approximate reasons is counted per grade and logged once per model."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections import Counter
from itertools import pairwise

import numpy as np
import xgboost as xgb

from schemas.scored import ScoredLead
from scoring.reasons import ChosenReasons, Explainer
from scoring.serving import ServingPlan
from streams.scorer.batch import BatchStep
from streams.scorer.bookkeeping import BatchBook
from streams.scorer.explain import Explanations
from streams.scorer.metrics import Progress, ScorerMetrics
from streams.scorer.reasons_budget import EXACT_OVER_APPROX, REPROBE_EVERY, ReasonsBudget
from streams.stores.dedup import Deduplicator
from tests.unit.streams.scorer.test_reasons_records import GRADES, TOPICS, _consumed

KEY = ("m", "1")


def took(exact: list[bool], exact_s: float, approx_s: float) -> ChosenReasons:
    mask = np.array(exact, dtype=bool)
    return ChosenReasons(np.zeros((mask.size, 2)), np.zeros((mask.size, 2)), mask,
                         exact_s, approx_s)


def test_exact_while_it_fits_then_approx_for_all_then_none() -> None:
    budget = ReasonsBudget(0.25e-3)  # 0.25 ms per lead: 25 ms for 100 leads, + 5 ms a run
    ten = np.arange(100) < 10
    assert budget.fit(KEY, ten) is ten  # not timed yet: as asked
    budget.learn(KEY, took([False] * 7, 0.0, 7 * 0.05e-3))  # any run teaches: 0.05 ms a row
    assert budget.known(KEY)
    budget.learn(KEY, took([False] * 10, 0.0, 10 * 0.02e-3))  # the least seen: 0.02 ms
    # exact not measured yet: 25x approx = 0.5 ms a row; 10 x 0.5 + 90 x 0.02 = 6.8 ms
    assert EXACT_OVER_APPROX == 25.0 and budget.fit(KEY, ten) is ten
    budget.learn(KEY, took([True] * 10, 10 * 2e-3, 0.0))  # exact measured: 2 ms a row
    assert budget.fit(KEY, ten) is ten  # 10 x 2 + 90 x 0.02 = 21.8 ms <= 30
    twenty = np.arange(100) < 20  # 20 x 2 + 80 x 0.02 = 41.6 ms > 30; all approx: 2 ms
    assert budget.fit(KEY, twenty).tolist() == [False] * 100
    budget.learn(KEY, took([False] * 100, 0.0, 100 * 1e-3))  # a busy moment: 1 ms a row
    assert budget.fit(KEY, twenty).tolist() == [False] * 100  # the least seen counts: 0.02
    slow = ReasonsBudget(0.25e-3)
    slow.learn(KEY, took([False] * 10, 0.0, 10 * 0.4e-3))  # 0.4 ms a row at best
    assert slow.fit(KEY, twenty) is None  # 100 x 0.4 = 40 ms > 30, even approximate


def test_an_over_budget_model_is_probed_again_now_and_then() -> None:
    budget = ReasonsBudget(1e-6)
    budget.learn(KEY, took([False] * 8, 0.0, 8 * 1e-2))  # 10 ms a row: 100 ms > 5 ms
    for _ in range(REPROBE_EVERY - 1):
        assert budget.fit(KEY, np.zeros(10, dtype=bool)) is None and budget.known(KEY)
    assert budget.fit(KEY, np.zeros(10, dtype=bool)) is None and not budget.known(KEY)


def _slow(model, copies: int):
    """``model`` with every tree ``copies`` times (slower to explain; scores differ)."""
    raw = json.loads(model.booster.save_raw("json"))
    trees = raw["learner"]["gradient_booster"]["model"]
    trees["trees"] = [dict(t, id=i) for i, t in
                      enumerate(trees["trees"][j % len(trees["trees"])]
                                for j in range(len(trees["trees"]) * copies))]
    trees["tree_info"] = [0] * len(trees["trees"])
    trees["iteration_indptr"] = list(range(len(trees["trees"]) + 1))
    trees["gbtree_model_param"]["num_trees"] = str(len(trees["trees"]))
    booster = xgb.Booster()
    booster.load_model(bytearray(json.dumps(raw).encode()))
    return dataclasses.replace(model, version="9", booster=booster)


def test_a_model_too_slow_to_explain_is_scored_without_reasons_and_counted(tiny_model) -> None:
    slow = _slow(tiny_model, 200)
    consumed, _ = _consumed(60)
    tight = Explanations(3, GRADES, frozenset({"A"}), budget_ms_per_lead=1e-4)
    result = BatchStep(ServingPlan(slow), Deduplicator(None, 0), TOPICS, GRADES,
                       explanations=tight).run(consumed, "t")
    scored = [ScoredLead.model_validate_json(r.value) for r in result.records]
    assert len(scored) == 60 and all(s.reasons == [] and s.reasons_method is None
                                     for s in scored)
    assert result.reasons_skipped == {"champion": 1} and not result.reasons_failed
    metrics = ScorerMetrics()
    BatchBook(metrics, Progress(metrics), None).count(result, 0.0)
    assert metrics.registry.get_sample_value("leadstream_scorer_reasons_skipped_total",
                                             {"role": "champion"}) == 1.0
    roomy = Explanations(3, GRADES, frozenset({"A"}), budget_ms_per_lead=1e3)
    again = BatchStep(ServingPlan(slow), Deduplicator(None, 0), TOPICS, GRADES,
                      explanations=roomy).run(consumed, "t")
    assert all(ScoredLead.model_validate_json(r.value).reasons for r in again.records)


def test_a_run_of_one_row_teaches_its_cost_per_row() -> None:
    budget = ReasonsBudget(1e-3)  # 1 ms a lead: 3 leads may take 3 + 5 ms
    three = np.ones(3, dtype=bool)
    budget.learn(KEY, took([True], 20e-3, 0.0))  # one exact row: 20 ms
    assert budget.known(KEY)  # approximate is taken as costly as exact until measured
    assert budget.fit(KEY, three) is None  # 3 x 20 ms > 8 ms
    budget.learn(KEY, took([False], 0.0, 1e-3))  # one approximate row: 1 ms
    assert budget.fit(KEY, three).tolist() == [False] * 3  # 3 ms <= 8 < 60 ms exact
    budget.learn(KEY, took([True, True], 2 * 2e-3, 0.0))  # exact at 2 ms a row
    assert budget.fit(KEY, three) is three  # 6 ms <= 8


def _slow_to_explain(monkeypatch, exact_ms: float, approx_ms: float) -> None:
    """Every ``choose`` call reports ``exact_ms`` per exact row and ``approx_ms`` per
    approximate one (a model whose exact reasons are slow), whatever it really took."""
    real = Explainer.choose

    def timed(self, matrix, exact):
        chosen = real(self, matrix, exact)
        n_exact = int(exact.sum())
        return dataclasses.replace(chosen, exact_s=n_exact * exact_ms / 1e3,
                                   approx_s=(exact.size - n_exact) * approx_ms / 1e3)

    monkeypatch.setattr(Explainer, "choose", timed)


def test_at_low_traffic_a_slow_models_exact_reasons_are_budgeted_and_counted(
        tiny_model, monkeypatch, caplog) -> None:
    _slow_to_explain(monkeypatch, exact_ms=20.0, approx_ms=0.1)  # 1 ms a lead allowed
    every = frozenset(GRADES.names)  # every lead asks for exact reasons
    step = BatchStep(ServingPlan(tiny_model), Deduplicator(None, 0), TOPICS, GRADES,
                     explanations=Explanations(3, GRADES, every, budget_ms_per_lead=1.0))
    metrics = ScorerMetrics()
    book = BatchBook(metrics, Progress(metrics), None)
    consumed, _ = _consumed(35, seed=4)
    graded: Counter[str] = Counter()
    methods: Counter[str | None] = Counter()
    sizes = [1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 1]  # a CRM's trickle: never 16 at once
    starts = np.cumsum([0, *sizes])
    with caplog.at_level(logging.WARNING, logger="streams.scorer.explain"):
        for lo, hi in pairwise(starts.tolist()):
            part = dataclasses.replace(consumed, events=consumed.events[lo:hi])
            result = step.run(part, f"0:{lo}-{hi - 1}")
            book.count(result, 0.0)
            scored = [ScoredLead.model_validate_json(r.value) for r in result.records]
            graded.update(s.grade for s in scored)
            methods.update(s.reasons_method for s in scored)
    # 1 exact row (20 ms) + 2 approximate: the budget of 3 leads is 3 + 5 ms
    assert methods == {"approx": 35}, methods  # every exact reason was downgraded
    for grade in GRADES.names:
        assert metrics.registry.get_sample_value(
            "leadstream_scorer_reasons_downgraded_total", {"grade": grade}) == (
            graded[grade] or None)
    lines = [r for r in caplog.records if "approximate reasons" in r.getMessage()]
    assert len(lines) == 1 and "lead-scoring v1" in lines[0].getMessage()


def test_exact_reasons_that_fit_are_not_downgraded(tiny_model, monkeypatch) -> None:
    _slow_to_explain(monkeypatch, exact_ms=0.2, approx_ms=0.1)
    step = BatchStep(ServingPlan(tiny_model), Deduplicator(None, 0), TOPICS, GRADES,
                     explanations=Explanations(3, GRADES, frozenset(GRADES.names),
                                               budget_ms_per_lead=1.0))
    consumed, _ = _consumed(3, seed=4)
    for _ in range(3):
        result = step.run(consumed, "0:0-2")
        assert not result.reasons_downgraded
        assert {ScoredLead.model_validate_json(r.value).reasons_method
                for r in result.records} == {"exact"}


def test_a_downgrading_models_exact_reasons_are_measured_again_now_and_then() -> None:
    budget = ReasonsBudget(1e-3)
    budget.learn(KEY, took([False] * 16, 0.0, 16 * 0.1e-3))
    budget.learn(KEY, took([True] * 8, 8 * 20e-3, 0.0))  # 20 ms a row: 3 never fit in 8
    three = np.ones(3, dtype=bool)
    for _ in range(REPROBE_EVERY - 1):
        assert budget.fit(KEY, three).tolist() == [False] * 3
        assert budget.exact_measured(KEY)
    assert budget.fit(KEY, three).tolist() == [False] * 3
    assert not budget.exact_measured(KEY)  # the next run times exact again
    assert budget.fit(KEY, np.zeros(3, dtype=bool)).tolist() == [False] * 3  # none asked
