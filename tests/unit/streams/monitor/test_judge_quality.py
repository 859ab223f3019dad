"""Judging a closed window with labels (AUC guardrail, quality fields, retrain trigger) and
with the A/B verdict (treatment below control → rollback of the challenger)."""

from __future__ import annotations

import numpy as np

from monitors.guardrails import RoleState
from monitors.judge import Quality, VersionState, judge_window
from monitors.sketches import WindowSample
from monitors.windows import ClosedWindow
from schemas.monitor import ModelRole
from schemas.retrain import RetrainReason
from streams.monitor.config import monitor_config
from streams.settings import Settings
from tests.unit.streams.monitor.test_judge import _sample, _setup

CFG = monitor_config(Settings(_env_file=None))


def _window(role: str, k: int = 0) -> tuple[ClosedWindow, object]:
    spec, cols, profile, scores = _setup()
    sample = _sample(spec, profile, cols, scores).model_copy(update={"role": role})
    ws = WindowSample.from_contract(sample)
    return ClosedWindow(k * 60_000, (k + 1) * 60_000, ws, 10, "watermark"), profile


def test_labels_fill_the_performance_report_and_a_low_auc_alerts_and_retrains() -> None:
    w, profile = _window("champion")
    state = VersionState(RoleState("m", ModelRole.CHAMPION, "1"))
    low = Quality(n_labels=400, auc=0.55, precision_at_10=0.2, calibration_error=0.08)
    state, out = judge_window(w, profile, state, None, CFG, low)
    assert out.performance.n_labels == 400 and out.performance.auc == 0.55
    assert out.performance.precision_at_10 == 0.2 and out.performance.calibration_error == 0.08
    assert out.retrain is not None and RetrainReason.AUC in out.retrain.reasons
    auc = {g.name: g for g in out.guardrails.guardrails}["model_auc"]
    assert auc.value == 0.55 and auc.level == "HEALTHY"  # consecutive = 2
    w2, _ = _window("champion", 1)
    state, out = judge_window(w2, profile, state, None, CFG, low)
    auc = {g.name: g for g in out.guardrails.guardrails}["model_auc"]
    assert auc.level == "CRITICAL" and out.rollback is None  # action: alert


def test_too_few_labels_do_not_judge_auc() -> None:
    w, profile = _window("champion")
    state = VersionState(RoleState("m", ModelRole.CHAMPION, "1"))
    _, out = judge_window(w, profile, state, None, CFG, Quality(n_labels=50, auc=0.1))
    auc = {g.name: g for g in out.guardrails.guardrails}["model_auc"]
    assert auc.value is None and auc.level == "HEALTHY"


def test_treatment_below_control_rolls_the_challenger_back() -> None:
    w, profile = _window("challenger")
    state = VersionState(RoleState("m", ModelRole.CHALLENGER, "2"))
    state, out = judge_window(w, profile, state, None, CFG, Quality(), False)
    assert out.rollback is None and out.guardrails.state == "HEALTHY"
    w2, _ = _window("challenger", 1)
    _, out = judge_window(w2, profile, state, None, CFG, Quality(), True)
    assert out.rollback is not None and out.rollback.guardrail == "treatment_conversion"
    assert out.rollback.role is ModelRole.CHALLENGER and out.rollback.version == "2"
    assert out.retrain is None and np.isclose(out.rollback.evidence["value"], 1.0)
