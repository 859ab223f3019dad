"""The monitors' configuration from :class:`Settings`: windows, drift, persistence,
guardrails and retraining, as the pure :class:`~monitors.judge.MonitorConfig`."""

from __future__ import annotations

from monitors.drift import DriftPolicy
from monitors.event_time import SkewTolerance
from monitors.judge import MonitorConfig
from monitors.persistence import PersistenceRule
from monitors.policy import load_policy
from monitors.retrain import RetrainPolicy
from monitors.windows import WindowConfig
from streams.settings import Settings


def monitor_config(s: Settings) -> MonitorConfig:
    """Every threshold the window agent judges by, read once from the settings."""
    return MonitorConfig(
        WindowConfig.from_seconds(s.monitor_window_s, s.monitor_lateness_s, s.monitor_idle_s,
                                  SkewTolerance.from_seconds(s.event_time_future_s,
                                                             s.event_time_past_s)),
        DriftPolicy(min_n=s.monitor_drift_min_n, fdr_q=s.monitor_fdr_q,
                    critical_alpha=s.monitor_critical_alpha, psi_warn=s.monitor_psi_warn,
                    psi_critical=s.monitor_psi_critical, top_grade_bound=s.grade_scale.top_bound),
        PersistenceRule(s.monitor_persist_k, s.monitor_persist_m),
        load_policy(s.monitor_guardrails_path),
        RetrainPolicy(s.retrain_drift_windows, s.retrain_auc_floor, s.retrain_new_labels,
                      round(s.retrain_every_s * 1000), round(s.retrain_cooldown_s * 1000)),
    )
