"""A shadow run's decision on its labels: worked cases against independently computed AUCs
and DeLong intervals (sklearn, a brute-force pair count), and safety properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from schemas.monitor import GuardrailLevel
from schemas.policy import ProgressionPolicy, WebhookGate
from scoring.experiments.policy import parse_policy
from scoring.experiments.progression import Action, Progress
from scoring.experiments.shadow_progression import ShadowEvidence, decide_shadow
from scoring.experiments.shadow_quality import shadow_quality

H, W, C = GuardrailLevel.HEALTHY, GuardrailLevel.WARNING, GuardrailLevel.CRITICAL


def leads(n: int, seed: int, champion_noise: float = 0.3, challenger_noise: float = 0.03):
    rng = np.random.default_rng(seed)
    truth = 1 / (1 + np.exp(-(rng.normal(size=n) * 1.5 - 1.0)))
    y = (rng.random(n) < truth).astype(float)
    champion = np.clip(truth + rng.normal(scale=champion_noise, size=n), 0, 1)
    challenger = np.clip(truth + rng.normal(scale=challenger_noise, size=n), 0, 1)
    return y, champion, challenger


def brute_paired_interval(y, a, b, level):
    """DeLong's paired interval from the pairwise definition (O(m n)), no shared code."""
    def parts(p):
        pos, neg = p[y == 1], p[y == 0]
        psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
        return psi.mean(axis=1), psi.mean(axis=0)
    (a10, a01), (b10, b01) = parts(a), parts(b)
    d10, d01 = b10 - a10, b01 - a01  # Var(B - A) = s²(V_B - V_A)/m + s²(...)/n
    se = np.sqrt(d10.var(ddof=1) / d10.size + d01.var(ddof=1) / d01.size)
    diff = b10.mean() - a10.mean()
    z = norm.ppf(0.5 + level / 2)
    return diff - z * se, diff + z * se


def policy(**kw) -> ProgressionPolicy:
    return ProgressionPolicy(**({"shadow_promote": True, "min_labels": 300, "max_windows": 10,
                                 "alpha": 0.05} | kw))


def progress(**kw) -> Progress:
    return Progress(experiment_id="lead-scoring-shadow-4", policy=policy(**kw), shadow_of="4")


def evidence(window: int, y, a, b, levels=None, alpha: float = 0.05,
             min_labels: int = 300) -> ShadowEvidence:
    q = shadow_quality(y, a, b, ("3", "4"), alpha=alpha, min_labels=min_labels)
    return ShadowEvidence(window * 1000, q, levels if levels is not None else
                          {"model_error_rate": H, "latency_p95": H})


def test_a_challenger_that_ranks_better_is_promoted_with_its_evidence():
    y, a, b = leads(1500, 1)
    p, d = decide_shadow(progress(), evidence(1, y, a, b))
    assert d is not None and d.action is Action.PROMOTE and p.finished
    ev = d.evidence
    assert ev["auc_champion"] == pytest.approx(roc_auc_score(y, a), abs=1e-12)
    assert ev["auc_challenger"] == pytest.approx(roc_auc_score(y, b), abs=1e-12)
    low, high = brute_paired_interval(y, a, b, 0.95)
    assert (ev["lower"], ev["upper"]) == (pytest.approx(low), pytest.approx(high))
    assert ev["lower"] > 0 and ev["p_value"] < 0.05 and ev["n_labels"] == 1500
    assert "ranks leads better" in d.reasons[0]
    assert d.key == "auto:lead-scoring-shadow-4:1000"


def test_the_interval_is_read_at_the_policys_alpha():
    y, a, b = leads(1500, 1)
    d = decide_shadow(progress(alpha=0.01), evidence(1, y, a, b, alpha=0.01))[1]
    low, high = brute_paired_interval(y, a, b, 0.99)
    assert (d.evidence["lower"], d.evidence["upper"]) == (pytest.approx(low),
                                                          pytest.approx(high))
    assert d.evidence["level"] == pytest.approx(0.99)


def test_too_few_labels_hold_and_say_how_many_are_needed():
    y, a, b = leads(1500, 1)
    p, d = decide_shadow(progress(), evidence(1, y[:120], a[:120], b[:120]))
    assert d.action is Action.HOLD and d.reasons[0].startswith("120/300 labelled leads")
    assert not p.finished and p.total_windows == 1
    one_class = decide_shadow(progress(), evidence(1, np.zeros(400), a[:400], b[:400]))[1]
    assert one_class.action is Action.HOLD


def test_a_challenger_that_ranks_worse_is_aborted():
    y, a, b = leads(1500, 2)
    d = decide_shadow(progress(), evidence(1, y, b, a))[1]  # roles swapped: worse
    assert d.action is Action.ABORT and "ranks leads worse" in d.reasons[0]
    assert d.evidence["upper"] < 0


def test_without_the_policys_consent_a_better_shadow_is_held_then_stopped():
    y, a, b = leads(1500, 1)
    p = progress(shadow_promote=False, max_windows=3)
    actions = []
    for w in range(1, 5):
        p, d = decide_shadow(p, evidence(w, y, a, b))
        actions.append(d.action if d else None)
    assert actions == [Action.HOLD, Action.HOLD, Action.STOP, None]
    assert "[shadow] promote = false" in p.last_reasons[0]


def test_guardrails_abort_when_critical_and_hold_when_not_healthy():
    y, a, b = leads(1500, 1)
    assert decide_shadow(progress(), evidence(1, y, a, b, {"latency_p95": C}))[1].action \
        is Action.ABORT
    held = decide_shadow(progress(), evidence(1, y, a, b, {"latency_p95": W}))[1]
    assert held.action is Action.HOLD and "latency_p95=WARNING" in held.reasons[0]
    required = progress(healthy=("model_error_rate",))  # latency not required
    assert decide_shadow(required, evidence(1, y, a, b, {"latency_p95": W,
                                                         "model_error_rate": H}))[1].action \
        is Action.PROMOTE
    missing = decide_shadow(required, evidence(1, y, a, b, {}))[1]
    assert missing.action is Action.HOLD and "model_error_rate=unreported" in missing.reasons[0]


def test_a_margin_promotes_a_challenger_that_ranks_as_well():
    y, a, _ = leads(3000, 3)
    twin = a + np.random.default_rng(9).normal(scale=1e-4, size=a.size)  # same ranking
    assert decide_shadow(progress(), evidence(1, y, a, twin))[1].action is Action.HOLD
    d = decide_shadow(progress(auc_margin=0.02), evidence(1, y, a, twin))[1]
    assert d.action is Action.PROMOTE and "not worse by more than 0.02" in d.reasons[0]


def test_replays_and_a_finished_run_decide_nothing_and_a_webhook_holds():
    y, a, b = leads(1500, 1)
    e = evidence(5, y, a, b)
    p, _ = decide_shadow(progress(), e)
    assert decide_shadow(p, e) == (p, None)
    assert decide_shadow(p, evidence(6, y, a, b)) == (p, None)  # finished
    held = decide_shadow(progress(), e, ("desk: 409",))[1]
    assert held.action is Action.HOLD and "held by webhook: desk: 409" in held.reasons[-1]


def test_the_shadow_section_of_a_toml_policy():
    pol = parse_policy("[shadow]\npromote = true\nmin_labels = 250\nauc_margin = 0.01\n"
                       "[verdict]\nalpha = 0.1\n")
    assert (pol.shadow_promote, pol.min_labels, pol.auc_margin, pol.alpha) == (
        True, 250, 0.01, 0.1)
    assert parse_policy("").shadow_promote is False  # promotion needs the policy's consent
    with pytest.raises(Exception, match=r"\[shadow\] takes only"):
        parse_policy("[shadow]\nsteps = [5]\n")
    assert ProgressionPolicy(webhooks=(WebhookGate(name="d", url="http://x"),)).gates(
        "promote")


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(10, 600), noise=st.floats(0.01, 0.6),
       min_labels=st.integers(4, 500), margin=st.sampled_from([0.0, 0.01, 0.05]),
       allow=st.booleans(), level=st.sampled_from(list(GuardrailLevel)))
def test_never_promotes_without_labels_consent_health_and_a_lower_bound(
        seed, n, noise, min_labels, margin, allow, level):
    y, a, b = leads(n, seed, challenger_noise=noise)
    p = progress(min_labels=min_labels, auc_margin=margin, shadow_promote=allow)
    e = evidence(1, y, a, b, {"latency_p95": level}, min_labels=min_labels)
    new, d = decide_shadow(p, e)
    assert decide_shadow(new, e) == (new, None)
    if d.action is Action.PROMOTE:
        assert allow and level is H and n >= min_labels
        assert d.evidence["lower"] > -margin
        assert 2 <= y.sum() <= n - 2
    if d.action is Action.ABORT:
        assert level is C or d.evidence["upper"] < 0
    assert d.action is not Action.ADVANCE and d.share_to == 0.0
