"""A shadow run's decision at its edges: each threshold at its exact value, the reasons in
their full words, the progress a decision leaves, the run's id and the evidence as the
controller builds it.

The quality is written out by hand here (AUCs, the paired interval and its p-value), so
each case sits exactly where the rule it tests changes its answer, and every expected
sentence is typed out literally.
"""

from __future__ import annotations

import math

import pytest

from schemas.monitor import GuardrailLevel
from schemas.policy import ProgressionPolicy
from scoring.delong import PairedAuc
from scoring.experiments.progression import Action, Progress
from scoring.experiments.shadow_progression import (
    ShadowEvidence,
    decide_shadow,
    shadow_evidence,
    shadow_run_id,
)
from scoring.experiments.shadow_quality import ModelQuality, Ranking, ShadowQuality

H, W, C = GuardrailLevel.HEALTHY, GuardrailLevel.WARNING, GuardrailLevel.CRITICAL
BOTH_HEALTHY = {"latency_p95": H, "model_error_rate": H}


def quality(low: float, high: float, p_value: float = 0.01, n_labels: int = 1000,
            champion: float = 0.7, challenger: float = 0.75) -> ShadowQuality:
    diff = challenger - champion
    test = PairedAuc(champion, challenger, diff, 0.02, diff / 0.02, p_value, low, high, 0.95)
    return ShadowQuality(n_labels, 120, ModelQuality("3", champion, 0.3, 0.01),
                         ModelQuality("4", challenger, 0.35, 0.01), test, 0.05,
                         Ranking.BETTER, 300)


def progress(**kw) -> Progress:
    pol = ProgressionPolicy(**({"shadow_promote": True, "min_labels": 300, "max_windows": 10,
                                "alpha": 0.05} | kw))
    return Progress(experiment_id="m-shadow-4", policy=pol, shadow_of="4")


def decide(q: ShadowQuality, levels=None, refusals: tuple[str, ...] = (), **policy):
    e = ShadowEvidence(1000, q, BOTH_HEALTHY if levels is None else levels)
    return decide_shadow(progress(**policy), e, refusals)


def test_a_promotion_gives_the_whole_interval_in_its_reason():
    d = decide(quality(0.03, 0.07, p_value=0.0123))[1]
    assert d.action is Action.PROMOTE
    assert d.reasons == ("challenger ranks leads better: paired DeLong 95% CI of AUC "
                         "0.7500 - 0.7000: [+0.0300, +0.0700], p=0.0123, 1000 labels",)


def test_a_p_value_below_a_floats_range_is_written_as_such():
    d = decide(quality(0.03, 0.07, p_value=0.0))[1]
    assert d.reasons == ("challenger ranks leads better: paired DeLong 95% CI of AUC "
                         "0.7500 - 0.7000: [+0.0300, +0.0700], p<1e-300, 1000 labels",)
    one = decide(quality(-0.04, 0.04, p_value=1.0, challenger=0.7))[1]
    assert one.reasons == ("inconclusive: paired DeLong 95% CI of AUC 0.7000 - 0.7000: "
                           "[-0.0400, +0.0400], p=1, 1000 labels reaches below -0",)


def test_exactly_min_labels_is_enough_to_decide():
    assert decide(quality(0.03, 0.07, n_labels=300))[1].action is Action.PROMOTE
    held = decide(quality(0.03, 0.07, n_labels=299))[1]
    assert held.action is Action.HOLD
    assert held.reasons == ("299/300 labelled leads (120 converted)",)


def test_an_upper_bound_of_exactly_zero_is_not_an_abort():
    d = decide(quality(-0.04, 0.0, p_value=0.05, challenger=0.68))[1]
    assert d.action is Action.HOLD and d.reasons[0].startswith("inconclusive: ")
    assert decide(quality(-0.04, -1e-9, challenger=0.68))[1].action is Action.ABORT


def test_a_lower_bound_of_exactly_minus_the_margin_is_inconclusive():
    d = decide(quality(-0.02, 0.05, p_value=0.4, challenger=0.715), auc_margin=0.02)[1]
    assert d.action is Action.HOLD
    assert d.reasons == ("inconclusive: paired DeLong 95% CI of AUC 0.7150 - 0.7000: "
                         "[-0.0200, +0.0500], p=0.4, 1000 labels reaches below -0.02",)
    assert decide(quality(-0.0199, 0.05, challenger=0.715),
                  auc_margin=0.02)[1].action is Action.PROMOTE


def test_a_lower_bound_of_exactly_zero_is_not_worse_rather_than_better():
    d = decide(quality(0.0, 0.05, p_value=0.05, challenger=0.725), auc_margin=0.01)[1]
    assert d.action is Action.PROMOTE
    assert d.reasons == ("challenger ranks leads not worse by more than 0.01 AUC: paired "
                         "DeLong 95% CI of AUC 0.7250 - 0.7000: [+0.0000, +0.0500], p=0.05, "
                         "1000 labels",)


def test_without_consent_the_hold_says_why_in_full():
    d = decide(quality(0.03, 0.07, p_value=0.0123), shadow_promote=False)[1]
    assert d.action is Action.HOLD
    assert d.reasons == ("challenger ranks leads better (paired DeLong 95% CI of AUC 0.7500 - "
                         "0.7000: [+0.0300, +0.0700], p=0.0123, 1000 labels); the policy does "
                         "not promote a shadow ([shadow] promote = false)",)


def test_several_guardrails_are_listed_with_commas():
    aborted = decide(quality(0.03, 0.07), {"model_error_rate": C, "latency_p95": C})[1]
    assert aborted.action is Action.ABORT
    assert aborted.reasons == ("guardrail(s) latency_p95, model_error_rate CRITICAL",)
    held = decide(quality(0.03, 0.07), {"latency_p95": W},
                  healthy=("latency_p95", "model_error_rate"))[1]
    assert held.action is Action.HOLD
    assert held.reasons == ("guardrail(s) not HEALTHY: latency_p95=WARNING, "
                            "model_error_rate=unreported",)


def test_several_refusing_webhooks_are_listed_with_semicolons():
    d = decide(quality(0.03, 0.07, p_value=0.0123), refusals=("desk: 409", "crm: 503"))[1]
    assert d.action is Action.HOLD
    assert d.reasons[-1] == "held by webhook: desk: 409; crm: 503"


def test_each_decision_counts_its_window_and_keeps_its_action():
    p = progress(shadow_promote=False)
    for window in (1, 2, 3):
        p, d = decide_shadow(p, ShadowEvidence(window * 1000, quality(0.03, 0.07),
                                               BOTH_HEALTHY))
        assert (p.step_windows, p.total_windows, p.last_window_end_ms) == (
            window, window, window * 1000)
        assert p.last_action is Action.HOLD and p.last_reasons == d.reasons
    p, d = decide_shadow(p, ShadowEvidence(4000, quality(-0.07, -0.03, challenger=0.65),
                                           BOTH_HEALTHY))
    assert p.last_action is Action.ABORT and p.finished and p.step_windows == 4


def test_a_shadow_decision_moves_no_share():
    for q in (quality(0.03, 0.07), quality(-0.07, -0.03), quality(-0.04, 0.04)):
        d = decide(q)[1]
        assert (d.share_from, d.share_to) == (0.0, 0.0)


def test_the_run_id_is_cut_at_128_characters():
    assert shadow_run_id("lead-scoring", 7) == "lead-scoring-shadow-7"
    long = "m" * 125
    assert shadow_run_id(long, 42) == long + "-sh"
    assert len(shadow_run_id("x" * 300, 1)) == 128


def test_the_evidence_keeps_what_the_controller_read_and_copies_its_maps():
    q = quality(0.03, 0.07)
    levels, values = {"latency_p95": W, "model_error_rate": H}, {"latency_p95": 812.5,
                                                                 "model_error_rate": None}
    e = shadow_evidence(q, levels, values, 5_000, 65_000, 70_123)
    assert (e.window_end_ms, e.window_start_ms, e.decided_at_ms) == (65_000, 5_000, 70_123)
    assert e.quality is q
    assert e.guardrails == {"latency_p95": W, "model_error_rate": H}
    assert e.guardrail_values == {"latency_p95": 812.5, "model_error_rate": None}
    levels["latency_p95"], values["latency_p95"] = C, 0.0  # the caller's maps change later
    assert e.guardrails["latency_p95"] is W and e.guardrail_values["latency_p95"] == 812.5
    d = e.as_dict()
    assert (d["window_start_ms"], d["window_end_ms"], d["decided_at_ms"]) == (
        5_000, 65_000, 70_123)
    assert d["guardrail.latency_p95"] == "WARNING" and d["value.latency_p95"] == 812.5
    assert d["value.model_error_rate"] is None
    assert d["lower"] == 0.03 and d["upper"] == 0.07 and not math.isnan(d["auc_challenger"])


@pytest.mark.parametrize("levels", [{}, {"latency_p95": H}])
def test_evidence_without_guardrail_values_has_no_value_keys(levels):
    e = shadow_evidence(quality(0.03, 0.07), levels, {}, 0, 1000, 1000)
    assert not [k for k in e.as_dict() if k.startswith("value.")]
    assert e.guardrail_values == {}
