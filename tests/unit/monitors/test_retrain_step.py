"""When to ask for a new model: each trigger at its boundary, the cooldown, the reset.

Windows close every minute (``W``); every expected state and reason is written out by hand.
"""

from __future__ import annotations

from monitors.retrain import RetrainPolicy, RetrainState, retrain_step
from schemas.retrain import RetrainReason

W = 60_000
T0 = 1_700_000_000_000
QUIET = RetrainPolicy(drift_windows=3, auc_floor=0.70, new_labels=0, every_ms=0,
                      cooldown_ms=10 * W)


def step(state, i, policy=QUIET, drifted=False, auc=None, labels=0):
    return retrain_step(state, window_end_ms=T0 + i * W, drifted=drifted, auc=auc,
                        new_labels=labels, policy=policy)


def test_three_drifted_windows_in_a_row_trigger_and_reset_the_streak():
    s, d = step(RetrainState(), 0, drifted=True)
    assert d is None and s == RetrainState(1, 0, None, T0)
    s, d = step(s, 1, drifted=True)
    assert d is None and s.drift_streak == 2
    s, d = step(s, 2, drifted=True)
    assert d.reasons == (RetrainReason.DRIFT,) and d.evidence == {"drift_windows": 3.0}
    assert s == RetrainState(0, 0, T0 + 2 * W, T0)


def test_a_quiet_window_breaks_the_streak_and_an_unjudged_one_does_not():
    s, _ = step(RetrainState(), 0, drifted=True)
    s, _ = step(s, 1, drifted=None)
    assert s.drift_streak == 1
    s, _ = step(s, 2, drifted=False)
    assert s.drift_streak == 0


def test_auc_below_the_floor_triggers_and_at_the_floor_does_not():
    s, d = step(RetrainState(), 0, auc=0.70)
    assert d is None
    s, d = step(s, 1, auc=0.6999)
    assert d.reasons == (RetrainReason.AUC,)
    assert d.evidence == {"auc": 0.6999, "auc_floor": 0.70}


def test_enough_new_labels_trigger_and_negative_counts_are_ignored():
    policy = RetrainPolicy(drift_windows=3, new_labels=100, cooldown_ms=10 * W)
    s, d = step(RetrainState(), 0, policy, labels=60)
    s, d = step(s, 1, policy, labels=-50)
    assert d is None and s.labels_since == 60
    s, d = step(s, 2, policy, labels=39)
    assert d is None and s.labels_since == 99
    s, d = step(s, 3, policy, labels=1)
    assert d.reasons == (RetrainReason.LABELS,) and d.evidence == {"new_labels": 100.0}
    assert s.labels_since == 0


def test_zero_new_labels_disables_the_label_trigger():
    s, d = step(RetrainState(), 0, labels=10**9)
    assert d is None and s.labels_since == 10**9


def test_schedule_counts_from_the_first_window_then_from_the_last_trigger():
    policy = RetrainPolicy(drift_windows=99, every_ms=5 * W, cooldown_ms=0)
    s = RetrainState()
    for i in range(5):
        s, d = step(s, i, policy)
        assert d is None, i
    s, d = step(s, 5, policy)
    assert d.reasons == (RetrainReason.SCHEDULE,) and d.evidence == {"since_ms": 5.0 * W}
    assert s.last_trigger_ms == T0 + 5 * W and s.first_window_ms == T0
    s, d = step(s, 9, policy)
    assert d is None
    s, d = step(s, 10, policy)
    assert d.reasons == (RetrainReason.SCHEDULE,)


def test_cooldown_suppresses_a_trigger_but_the_streak_goes_on():
    s = RetrainState(drift_streak=2, last_trigger_ms=T0 - 9 * W, first_window_ms=T0 - 20 * W)
    s, d = step(s, 0, drifted=True)  # 9 minutes after the last trigger: cooling
    assert d is None and s.drift_streak == 3
    s, d = step(s, 1, drifted=True)  # 10 minutes: the cooldown is over
    assert d.reasons == (RetrainReason.DRIFT,) and d.evidence == {"drift_windows": 4.0}
    assert s == RetrainState(0, 0, T0 + W, T0 - 20 * W)


def test_several_reasons_are_reported_together_in_order():
    policy = RetrainPolicy(drift_windows=1, auc_floor=0.8, new_labels=10, every_ms=W,
                           cooldown_ms=0)
    s = RetrainState(first_window_ms=T0 - W)
    s, d = step(s, 0, policy, drifted=True, auc=0.5, labels=10)
    assert d.reasons == (RetrainReason.DRIFT, RetrainReason.AUC, RetrainReason.LABELS,
                         RetrainReason.SCHEDULE)
    assert d.evidence == {"drift_windows": 1.0, "auc": 0.5, "auc_floor": 0.8,
                          "new_labels": 10.0, "since_ms": float(W)}


def test_the_default_policy():
    p = RetrainPolicy()
    assert (p.drift_windows, p.auc_floor, p.new_labels, p.every_ms, p.cooldown_ms) == (
        3, 0.70, 5000, 0, 3_600_000)
