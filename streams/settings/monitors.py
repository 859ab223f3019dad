"""The monitor agents' settings: event-time windows, drift verdicts, labelled performance,
retrain triggers. Defaults come from the core's policies (:class:`~monitors.drift_policy.
DriftPolicy`, :class:`~monitors.persistence.PersistenceRule`,
:class:`~monitors.retrain.RetrainPolicy`), never restated."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from monitors.drift_policy import DriftPolicy
from monitors.persistence import PersistenceRule
from monitors.retrain import RetrainPolicy
from streams.settings.part import SettingsPart

_DRIFT, _PERSIST, _RETRAIN = DriftPolicy(), PersistenceRule(), RetrainPolicy()


class MonitorSettings(SettingsPart):
    """Monitor windows and verdicts, labelled performance, retrain triggers (the agents';
    the dashboard shows windows and drift by the same numbers)."""

    # --- windows ---------------------------------------------------------------------------
    monitor_window_s: float = Field(60.0, gt=0)
    """Length of the monitors' event-time tumbling windows, in seconds."""
    monitor_lateness_s: float = Field(10.0, ge=0)
    """Allowed lateness: a window closes when max event time seen passes its end + this."""
    monitor_idle_s: float = Field(5.0, gt=0)
    """No sample for this long (wall clock): event time is taken to advance with the clock."""
    monitor_tick_s: float = Field(0.5, gt=0)
    """How often the monitor agents check for windows to close."""
    monitor_guardrails_path: Path | None = None
    """Guardrail policy (TOML); ``None`` uses the packaged default."""

    # --- drift -----------------------------------------------------------------------------
    monitor_drift_min_n: int = Field(_DRIFT.min_n, ge=1)
    """Fewer scored leads in a window: drift is ``insufficient_data``."""
    monitor_psi_warn: float = Field(_DRIFT.psi_warn, gt=0)
    """PSI at or above which a significant drift is a warning."""
    monitor_psi_critical: float = Field(_DRIFT.psi_critical, gt=0)
    """PSI at or above which a significant drift is critical."""
    monitor_fdr_q: float = Field(_DRIFT.fdr_q, gt=0, lt=1)
    """Benjamini-Hochberg false discovery rate of drift warnings."""
    monitor_critical_alpha: float = Field(_DRIFT.critical_alpha, gt=0, lt=1)
    """Holm family-wise error rate of critical drift."""
    monitor_persist_k: int = Field(_PERSIST.k, ge=1)
    """A drift flag counts when it shows in k of the last m judged windows."""
    monitor_persist_m: int = Field(_PERSIST.m, ge=1)
    """Window history length of the persistence rule."""

    # --- labelled performance --------------------------------------------------------------
    monitor_label_window: int = Field(5000, ge=1)
    """Labelled outcomes kept per model version (the newest) for AUC, precision and ECE."""
    monitor_min_labels: int = Field(100, ge=1)
    """Fewer labels in a version's window: no AUC, precision or calibration is reported."""

    # --- retrain triggers ------------------------------------------------------------------
    retrain_drift_windows: int = Field(_RETRAIN.drift_windows, ge=1)
    """Windows in a row with persisted drift (warn or worse) that trigger a retrain."""
    retrain_auc_floor: float = Field(_RETRAIN.auc_floor, ge=0, le=1)
    """Rolling AUC below this triggers a retrain; also the floor a retrained model must meet."""
    retrain_new_labels: int = Field(_RETRAIN.new_labels, ge=0)
    """New labelled outcomes since the last trigger that trigger a retrain (0: off)."""
    retrain_every_s: float = Field(_RETRAIN.every_ms / 1000, ge=0)
    """Scheduled retrain trigger period in event time (0: off)."""
    retrain_cooldown_s: float = Field(_RETRAIN.cooldown_ms / 1000, ge=0)
    """At most one retrain trigger per model in this time (event time)."""
