"""Drift verdicts: the three gates, prediction drift, and the k-of-m persistence rule."""

from __future__ import annotations

import numpy as np
import pytest

from monitors.drift import evaluate_drift, worst
from monitors.persistence import PersistenceRule, PersistenceState, persist
from schemas.monitor import Severity

from .conftest import window


def test_stationary_windows_are_quiet(binner, profile, key):
    rng = np.random.default_rng(0)
    verdicts = [evaluate_drift(window(binner, profile, key, rng, n), profile).verdict
                for n in (100, 1000, 5000) for _ in range(10)]
    assert all(v is Severity.OK for v in verdicts)


def test_half_sigma_shift_is_flagged_on_the_shifted_feature_only(binner, profile, key):
    result = evaluate_drift(window(binner, profile, key, np.random.default_rng(1), 1000, 0.5),
                            profile)
    flagged = {f.name for f in result.features if f.severity is not Severity.OK}
    assert flagged == {"engagement_score"} and result.verdict is Severity.WARN
    eng = next(f for f in result.features if f.name == "engagement_score")
    assert 0.1 < eng.psi < 0.25 and eng.ks > 0.1 and eng.p_holm < 1e-6
    assert result.prediction.mean_shift > 0.05
    assert result.prediction.top_grade_share > result.prediction.top_grade_share_reference


def test_materiality_gate_blocks_significant_but_tiny_drift(binner, profile, key):
    sample = window(binner, profile, key, np.random.default_rng(2), 100_000, 0.1)
    eng = next(f for f in evaluate_drift(sample, profile).features
               if f.name == "engagement_score")
    assert eng.chi2_p < 1e-6 and eng.psi < 0.1 and eng.severity is Severity.OK


def test_significance_gate_blocks_noisy_small_windows(binner, profile, key):
    rng = np.random.default_rng(3)
    psis, verdicts = [], []
    for _ in range(100):
        r = evaluate_drift(window(binner, profile, key, rng, 100), profile)
        psis += [f.psi for f in r.features]
        verdicts.append(r.verdict)
    assert np.mean(np.array(psis) >= 0.1) > 0.05  # materiality alone would fire often
    assert verdicts.count(Severity.OK) >= 98  # BH at q = 1 %: about 1 % of windows at most


def test_critical_needs_a_large_material_shift(binner, profile, key):
    r = evaluate_drift(window(binner, profile, key, np.random.default_rng(6), 1000, 1.0), profile)
    eng = next(f for f in r.features if f.name == "engagement_score")
    assert eng.psi >= 0.25 and eng.severity is Severity.CRITICAL


def test_insufficient_data_below_minimum(binner, profile, key):
    r = evaluate_drift(window(binner, profile, key, np.random.default_rng(4), 50, 2.0), profile)
    assert r.verdict is Severity.INSUFFICIENT_DATA
    assert all(f.severity is Severity.INSUFFICIENT_DATA for f in r.features)
    from monitors.sketches import WindowSample

    empty = evaluate_drift(WindowSample.empty(key, profile), profile)
    assert empty.verdict is Severity.INSUFFICIENT_DATA and empty.features == ()


def test_unseen_and_missing_shares(binner, profile, key):
    rng = np.random.default_rng(5)
    cols_window = window(binner, profile, key, rng, 400)
    src = cols_window.categorical["lead_source"]
    r = evaluate_drift(cols_window, profile)
    f = next(f for f in r.features if f.name == "lead_source")
    assert f.unseen_share == 0.0 and f.missing_share == pytest.approx(src[-1] / 400)
    assert next(f for f in r.features if f.name == "company_size").unseen_share is None


def test_worst_orders_severities():
    assert worst([Severity.OK, Severity.CRITICAL, Severity.WARN]) is Severity.CRITICAL
    assert worst([Severity.INSUFFICIENT_DATA, Severity.OK]) is Severity.OK
    assert worst([]) is Severity.INSUFFICIENT_DATA


def test_persistence_needs_k_of_m_windows():
    rule = PersistenceRule(k=2, m=3)
    state, seen = PersistenceState(), []
    for sev in (Severity.WARN, Severity.OK, Severity.OK, Severity.CRITICAL,
                Severity.INSUFFICIENT_DATA, Severity.WARN, Severity.OK, Severity.OK):
        state, out = persist(state, {"x": sev}, rule)
        seen.append(out["x"])
    assert seen == [Severity.OK, Severity.OK, Severity.OK, Severity.OK,
                    Severity.INSUFFICIENT_DATA, Severity.WARN, Severity.WARN, Severity.OK]
    assert PersistenceState.from_dict(state.to_dict()) == state


def test_persistence_rule_validates():
    with pytest.raises(ValueError):
        PersistenceRule(k=4, m=3)
