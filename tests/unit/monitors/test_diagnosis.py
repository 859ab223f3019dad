"""The diagnosis names each injected fault first, from hand-built evidence of that fault."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitors.diagnosis import diagnose
from monitors.evidence import Evidence, FeatureEvidence, ProcessEvidence
from monitors.findings import Action, Level

NOW = 1_800_000_000_000
FEATURES = (
    FeatureEvidence("visits", "numeric", 0.01, "ok", 0.02, 0.02),
    FeatureEvidence("company_size", "numeric", 0.02, "ok", 0.05, 0.05),
    FeatureEvidence("source", "categorical", 0.01, "ok", 0.0, 0.0, 0.0),
)
HEALTHY = Evidence(
    model="m", now_ms=NOW, window_end_ms=NOW - 60_000, n_scored=2000, n_rejected=4,
    guardrail_state="HEALTHY", features=FEATURES, score_psi=0.02,
    newest_input_ms={"leads.incoming": NOW - 2_000, "leads.outcomes": NOW - 86_400_000},
    deadletter_reasons={"schema_violation": 4},
    processes=(ProcessEvidence("scorer", 1, 3), ProcessEvidence("agents", 1),
               ProcessEvidence("sink", 1)),
    sink_failures={},
)


def _feature(name: str, **changes: object) -> tuple[FeatureEvidence, ...]:
    return tuple(replace(f, **changes) if f.name == name else f for f in FEATURES)


def test_a_healthy_system_has_nothing_to_do() -> None:
    report = diagnose(HEALTHY)
    assert report.actions == (Action.NOTHING,)
    assert all(f.level is Level.INFO for f in report.findings)


def test_a_shifted_feature_is_named_first_as_drift() -> None:
    ev = replace(HEALTHY, features=_feature("visits", psi=0.9, severity="critical"),
                 score_psi=0.3)
    report = diagnose(ev)
    first = report.findings[0]
    assert (first.kind, first.evidence["feature"]) == ("feature_drift", "visits")
    assert report.actions[0] is Action.RETRAIN
    # the score moved because an input did: retrain, not roll back
    assert Action.ROLL_BACK not in report.actions


def test_a_field_arriving_empty_is_named_first_as_missing_values() -> None:
    ev = replace(HEALTHY, features=_feature("company_size", psi=2.5, severity="critical",
                                            missing_share=1.0), score_psi=0.3)
    report = diagnose(ev)
    first = report.findings[0]
    assert (first.kind, first.evidence["feature"]) == ("missing_values", "company_size")
    assert first.evidence["reference_missing_share"] == 0.05
    assert report.actions[0] is Action.FIX_CRM_MAPPING
    # its drift is explained by the missing values, not reported twice
    assert not [f for f in report.findings if f.kind == "feature_drift"]


def test_a_renamed_field_is_named_first_as_an_unknown_attribute() -> None:
    ev = replace(HEALTHY, features=_feature("visits", psi=3.0, severity="critical",
                                            missing_share=1.0),
                 unknown_attributes={"web_visits": 2000}, score_psi=0.4)
    report = diagnose(ev)
    first = report.findings[0]
    assert first.kind == "unknown_attributes"
    assert first.evidence["attribute"] == "web_visits"
    assert first.evidence["features_gone_missing"] == ["visits"]
    assert first.level is Level.CRITICAL
    assert report.actions[0] is Action.FIX_CRM_MAPPING


def test_a_stopped_scorer_is_named_first() -> None:
    ev = replace(HEALTHY, processes=(ProcessEvidence("scorer", 0, 5000),
                                     ProcessEvidence("agents", 1)))
    report = diagnose(ev)
    assert (report.findings[0].kind, report.findings[0].level) == ("scorer", Level.CRITICAL)
    assert report.actions[0] is Action.START_SCORER
    assert not [f for f in report.findings if f.kind == "consumer_lag"]


def test_a_crm_refusing_write_back_is_named_first_as_sink_failures() -> None:
    ev = replace(HEALTHY, sink_failures={"crm_rejected": 40, "status_403": 40})
    report = diagnose(ev)
    first = report.findings[0]
    assert (first.kind, first.level, first.evidence["crm_rejected"]) == (
        "sink_failures", Level.CRITICAL, 40)
    assert report.actions == (Action.CHECK_CRM_ENDPOINT,)


def test_a_score_shift_with_unchanged_inputs_recommends_a_roll_back() -> None:
    report = diagnose(replace(HEALTHY, score_psi=0.5))
    assert report.findings[0].kind == "prediction_drift"
    assert report.actions[0] is Action.ROLL_BACK


def test_a_silent_crm_feed_is_a_warning() -> None:
    ev = replace(HEALTHY, newest_input_ms={"leads.incoming": NOW - 7_200_000})
    first = diagnose(ev).findings[0]
    assert (first.kind, first.level, first.evidence["age_s"]) == (
        "freshness", Level.WARNING, 7200.0)


def test_the_json_document_has_stable_keys() -> None:
    doc = diagnose(replace(HEALTHY, score_psi=0.5)).as_dict()
    assert set(doc) == {"model", "findings", "root_causes", "next_steps"}
    assert set(doc["findings"][0]) == {"kind", "severity", "summary", "evidence", "action"}
    assert doc["root_causes"] == ["prediction_drift"]
    assert doc["next_steps"] == ["roll back"]


@given(st.lists(st.tuples(st.sampled_from([f.name for f in FEATURES]),
                          st.floats(0, 5), st.sampled_from(["ok", "warn", "critical"]),
                          st.floats(0, 1), st.floats(0, 1)), max_size=6),
       st.integers(0, 3), st.dictionaries(st.text(min_size=1, max_size=8),
                                          st.integers(0, 10_000), max_size=3))
def test_findings_are_ranked_critical_first_on_any_evidence(changes, scorers, unknown) -> None:
    features = FEATURES
    for name, psi, severity, missing, unseen in changes:
        features = tuple(replace(f, psi=psi, severity=severity, missing_share=missing,
                                 unseen_share=unseen) if f.name == name else f
                         for f in features)
    ev = replace(HEALTHY, features=features, unknown_attributes=unknown,
                 processes=(ProcessEvidence("scorer", scorers),))
    report = diagnose(ev)
    ranks = [f.level.rank for f in report.findings]
    assert ranks == sorted(ranks, reverse=True)
    assert (Action.NOTHING in report.actions) == (max(ranks) == 0)


def test_a_specific_cause_outranks_drift_of_the_same_severity() -> None:
    drifting = replace(FEATURES[0], psi=0.8, severity="critical")
    empty = replace(FEATURES[1], psi=2.0, severity="critical", missing_share=0.9)
    ev = replace(HEALTHY, features=(drifting, empty, FEATURES[2]))
    kinds = [f.kind for f in diagnose(ev).findings]
    assert kinds[:2] == ["missing_values", "feature_drift"]
    stopped = replace(ev, processes=(ProcessEvidence("scorer", 0),))
    assert diagnose(stopped).findings[0].kind == "scorer"


def test_miscalibrated_scores_by_decile_recommend_a_retrain() -> None:
    # every decile converts 0.3 above its mean score: the model underestimates
    deciles = tuple((50, m, m + 0.3) for m in np.linspace(0.05, 0.6, 10))
    report = diagnose(replace(HEALTHY, calibration_deciles=deciles))
    first = report.findings[0]
    assert (first.kind, first.level) == ("calibration", Level.WARNING)
    assert first.evidence["calibration_error"] == pytest.approx(0.3)
    assert report.actions == (Action.RETRAIN,)
    few = replace(HEALTHY, calibration_deciles=tuple((5, m, m + 0.3)
                                                     for m in np.linspace(0.05, 0.6, 10)))
    assert diagnose(few).actions == (Action.NOTHING,)  # 50 labels: no verdict


def test_conversion_by_grade_is_shown() -> None:
    report = diagnose(replace(HEALTHY, conversion_by_grade={"A": (30, 100), "D": (2, 400)}))
    found = [f for f in report.findings if f.kind == "conversion_by_grade"]
    assert found and found[0].evidence["A"] == {"converted": 30, "labelled": 100}


def test_nothing_to_do_is_never_claimed_over_unread_sources() -> None:
    report = diagnose(replace(HEALTHY, unreadable=("leads.deadletter: not authorized",)))
    assert report.actions == (Action.NOTHING_FOUND,)
    assert report.findings[-1].evidence == {"source": "leads.deadletter: not authorized"}


def test_a_high_dead_letter_rate_names_its_reasons() -> None:
    ev = replace(HEALTHY, n_scored=700, n_rejected=300,
                 deadletter_reasons={"invalid_json": 20, "schema_violation": 280})
    first = diagnose(ev).findings[0]
    assert (first.kind, first.level, first.evidence["rate"]) == ("dead_letters",
                                                                 Level.CRITICAL, 0.3)
    assert list(first.evidence["reasons"]) == ["schema_violation", "invalid_json"]


def test_a_new_category_is_an_unseen_category_not_drift() -> None:
    ev = replace(HEALTHY, features=_feature("source", psi=1.5, severity="critical",
                                            unseen_share=0.4))
    report = diagnose(ev)
    assert (report.findings[0].kind, report.findings[0].evidence["unseen_share"]) == (
        "unseen_categories", 0.4)
    assert "feature_drift" not in report.as_dict()["root_causes"]
