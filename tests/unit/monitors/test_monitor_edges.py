"""Smaller monitor paths: empty windows, the prediction mean, profile statistics, defaults."""

from __future__ import annotations

import numpy as np
import pytest

from monitors.batch_sample import batch_sample
from monitors.binning import build_reference_profile, top_grade_share
from monitors.drift import evaluate_drift, feature_drift
from monitors.guardrails import RoleState, WindowMetrics, step
from monitors.policy import Guardrail, GuardrailPolicy
from monitors.reports import guardrail_report
from monitors.sketches import WindowSample
from schemas.monitor import ModelRole
from schemas.profile import SCORE_EDGES

from .conftest import draw, scores_of


def test_an_empty_window_has_no_drift_at_all(profile, key):
    r = evaluate_drift(WindowSample.empty(key, profile), profile)
    assert (r.n, r.features, r.prediction) == (0, (), None)
    f = feature_drift("x", "categorical", np.zeros(4, np.int64), [0.5, 0.5, 0.0, 0.0], 100, 5)
    assert (f.missing_share, f.unseen_share) == (0.0, None)


def test_prediction_drift_mean_and_shift_by_hand(binner, profile, key):
    cols = draw(np.random.default_rng(4), 500)
    scores = scores_of(cols)
    sample = WindowSample.empty(key, profile).update(binner, cols, scores, np.ones(500))
    p = evaluate_drift(sample, profile).prediction
    micro = np.rint(scores * 1e6).sum()
    assert p.mean == pytest.approx(micro / 1e6 / 500, rel=1e-12)
    assert p.mean_shift == pytest.approx(p.mean - profile.score.mean, rel=1e-12)
    numeric = [f for f in evaluate_drift(sample, profile).features if f.kind == "numeric"]
    assert all(f.ks_p is not None and 0.0 <= f.ks_p <= 1.0 for f in numeric)


def test_reference_profile_statistics_by_hand(spec):
    cols = draw(np.random.default_rng(8), 400)
    scores = np.concatenate([np.full(100, 0.8), np.full(300, 0.2)])  # exactly at the edge
    profile = build_reference_profile(cols, scores, spec)
    eng = cols["engagement_score"]
    assert profile.numeric["engagement_score"].std == pytest.approx(np.nanstd(eng))
    assert profile.score.top_grade_share == 0.25  # a score equal to the bound is in the top grade
    assert profile.score.edges == SCORE_EDGES
    empty = build_reference_profile({**cols, "website_visits": np.full(400, np.nan)}, scores,
                                    spec)
    assert empty.numeric["website_visits"].std is None
    assert top_grade_share(np.zeros(len(SCORE_EDGES) + 1, np.int64), SCORE_EDGES, 0.8) == 0.0
    with pytest.raises(ValueError, match=r"top grade bound 0\.81 is not a score histogram edge"):
        top_grade_share(np.ones(3), SCORE_EDGES, 0.81)
    with pytest.raises(ValueError, match=r"^build_reference_profile needs a spec with learned "
                                         r"vocabularies$"):
        build_reference_profile(cols, scores, spec.model_copy(
            update={"features": [f.model_copy(update={"vocabulary": None})
                                 if f.kind == "categorical" else f for f in spec.features]}))


def test_batch_sample_counts_default_to_zero(profile, spec):
    s = batch_sample(model_name="m", role="champion", model_version="1", profile=profile,
                     spec=spec, numeric={}, categories={}, scores=[0.5], latencies_ms=[1.0])
    assert (s.n_scored, s.n_rejected, s.n_failed) == (1, 0, 0)


def test_a_guardrail_without_state_does_not_hide_the_next_ones():
    first = Guardrail(name="never", metric="absent", warn=1, critical=2)
    second = Guardrail(name="errors", metric="error_rate", warn=0.01, critical=0.05)
    policy = GuardrailPolicy((first, second))
    metrics = WindowMetrics(0, 60_000, 1000, {"error_rate": 0.2})
    state, events = step(RoleState("m", ModelRole.CHAMPION, "1"), metrics, policy)
    state = RoleState("m", ModelRole.CHAMPION, "1", {"errors": state.guards["errors"]})
    report = guardrail_report(state, events, metrics, policy)
    assert [g.name for g in report.guardrails] == ["errors"]


def test_an_unjudged_feature_does_not_stop_the_others_from_persisting():
    from monitors.persistence import PersistenceRule, PersistenceState, persist
    from schemas.monitor import Severity

    rule = PersistenceRule(k=1, m=1)
    state, out = persist(PersistenceState(), {"a": Severity.INSUFFICIENT_DATA,
                                              "b": Severity.WARN}, rule)
    assert out == {"a": Severity.INSUFFICIENT_DATA, "b": Severity.WARN}
    assert state.history == {"b": (Severity.WARN,)}


def test_the_policys_minimum_expected_count_and_the_g_test_are_used(binner, profile, key):
    from monitors.drift import DriftPolicy

    cols = draw(np.random.default_rng(6), 300, shift=1.0)
    sample = WindowSample.empty(key, profile).update(binner, cols, scores_of(cols),
                                                     np.ones(300))
    pooled = evaluate_drift(sample, profile, DriftPolicy(min_expected=1e9))
    assert all(f.chi2_p == 1.0 for f in pooled.features)  # everything pooled into one bin
    assert pooled.prediction.score_p == 1.0
    eng = next(f for f in evaluate_drift(sample, profile).features
               if f.name == "engagement_score")
    assert eng.chi2_p < 1e-6 and eng.g != eng.chi2  # G is the log-likelihood statistic


def test_a_one_lead_window_still_has_a_prediction_summary(binner, profile, key):
    cols = draw(np.random.default_rng(7), 1)
    sample = WindowSample.empty(key, profile).update(binner, cols, [0.9], np.ones(1))
    p = evaluate_drift(sample, profile).prediction
    assert p is not None and p.mean == pytest.approx(0.9) and p.top_grade_share == 1.0


def test_the_score_profile_is_the_histogram_of_the_scores(spec):
    cols = draw(np.random.default_rng(9), 200)
    scores = np.concatenate([np.full(50, 0.01), np.full(150, 0.99)])
    profile = build_reference_profile(cols, scores, spec)
    props = profile.score.proportions
    assert props[0] == 0.25 and props[-1] == 0.75 and sum(props) == 1.0
