"""The monitors' and agents' settings: windows, drift, retraining, agent safety, training
gates."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field

from streams.settings.part import SettingsPart

if TYPE_CHECKING:
    from scoring.training import TrainConfig

class MonitorSettings(SettingsPart):
    """Monitor windows and verdicts, retrain triggers, agent input safety, training gates."""

    # --- monitors (issue 4) -----------------------------------------------------------
    topic_monitor_samples: str = "monitor.samples"
    """Per-batch mergeable monitor counts from the scorers."""
    topic_monitor_drift: str = "monitor.drift"
    """Drift reports, one per closed window and model role/version."""
    topic_monitor_performance: str = "monitor.performance"
    """Performance reports, one per closed window and model role/version."""
    topic_monitor_guardrails: str = "monitor.guardrails"
    """Guardrail states, per closed window and model role/version."""
    topic_monitor_windows: str = "monitor.windows"
    """Internal: samples and clock ticks routed to the window agent (one partition)."""
    topic_models_retrain: str = "models.retrain"
    """Retrain triggers from the monitors."""
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
    monitor_drift_min_n: int = Field(100, ge=1)
    """Fewer scored leads in a window: drift is ``insufficient_data``."""
    monitor_psi_warn: float = Field(0.1, gt=0)
    """PSI at or above which a significant drift is a warning."""
    monitor_psi_critical: float = Field(0.25, gt=0)
    """PSI at or above which a significant drift is critical."""
    monitor_fdr_q: float = Field(0.01, gt=0, lt=1)
    """Benjamini-Hochberg false discovery rate of drift warnings."""
    monitor_critical_alpha: float = Field(0.001, gt=0, lt=1)
    """Holm family-wise error rate of critical drift."""
    monitor_persist_k: int = Field(2, ge=1)
    """A drift flag counts when it shows in k of the last m judged windows."""
    monitor_persist_m: int = Field(3, ge=1)
    """Window history length of the persistence rule."""
    monitor_metrics_port: int = Field(0, ge=0)
    """Port of the monitor agents' Prometheus ``/metrics`` (0: not served)."""
    retrain_drift_windows: int = Field(3, ge=1)
    """Windows in a row with persisted drift (warn or worse) that trigger a retrain."""
    retrain_auc_floor: float = Field(0.70, ge=0, le=1)
    """Rolling AUC below this triggers a retrain; also the floor a retrained model must meet."""
    retrain_new_labels: int = Field(5000, ge=0)
    """New labelled outcomes since the last trigger that trigger a retrain (0: off)."""
    retrain_every_s: float = Field(0.0, ge=0)
    """Scheduled retrain trigger period in event time (0: off)."""
    retrain_cooldown_s: float = Field(3600.0, ge=0)
    """At most one retrain trigger per model in this time (event time)."""
    monitor_label_window: int = Field(5000, ge=1)
    """Labelled outcomes kept per model version (the newest) for AUC, precision and ECE."""
    monitor_min_labels: int = Field(100, ge=1)
    """Fewer labels in a version's window: no AUC, precision or calibration is reported."""

    # --- agent safety (issue 8) ----------------------------------------------------------
    topic_leads_outcomes_deadletter: str = "leads.outcomes.deadletter"
    """Outcomes the outcome agent could not use (undecodable, invalid, failed, never scored)."""
    topic_models_control_requests_deadletter: str = "models.control.requests.deadletter"
    """Control requests the controller could not use."""
    topic_models_rollback_deadletter: str = "models.rollback.deadletter"
    """Rollback events the controller could not use."""
    topic_monitor_samples_deadletter: str = "monitor.samples.deadletter"
    """Monitor samples the monitor agents could not use."""
    event_time_future_s: float = Field(300.0, ge=0)
    """A monitor sample whose event times are further than this ahead of its broker
    timestamp is clock-skewed: merged by its arrival, its time never moves the watermark
    (scorers apply the same default to each event)."""
    event_time_past_s: float = Field(7 * 24 * 3600.0, gt=0)
    """The same, this far in the past (default: the retention of ``leads.incoming``, beyond
    which no genuine backlog exists)."""
    outcome_park_ttl_s: int = Field(7 * 24 * 3600, ge=1)
    """How long an outcome of a not-yet-scored lead waits for its score (then dead-lettered
    as ``never_scored``)."""
    outcome_park_max: int = Field(100_000, ge=1)
    """Most outcomes parked at once; beyond it the oldest are dead-lettered (``never_scored``)."""
    outcome_retry_s: float = Field(5.0, gt=0)
    """How often parked outcomes are joined again with the ledger."""

    # --- training ----------------------------------------------------------------------
    train_min_rows: int = Field(200, ge=50)
    """Fewest usable rows ``train`` and ``retrain`` accept."""
    train_min_positives: int = Field(40, ge=10)
    """Fewest conversions they accept (Dynamics 365 asks for 40 of each outcome)."""
    train_min_negatives: int = Field(40, ge=10)
    """Fewest non-conversions they accept."""
    spec_leaky_names: str | None = None
    """Comma-separated feature names (or export columns) ``spec check`` warns about as
    likely target leakage, known only after the outcome, whatever their AUC (compared case-
    and punctuation-blind: ``Lead Quality`` is ``lead_quality``). Unset: ``duration``,
    ``tags``, ``lead_quality``, ``last_activity``, ``last_notable_activity``; empty: none."""

    @property
    def leaky_names(self) -> tuple[str, ...]:
        if self.spec_leaky_names is None:
            from scoring.leakage import DEFAULT_LEAKY_NAMES  # pandas, scipy: not at every start

            return DEFAULT_LEAKY_NAMES
        return tuple(n.strip() for n in self.spec_leaky_names.split(",") if n.strip())

    def train_config(self, seed: int, refit: bool = False) -> TrainConfig:
        """The training configuration these settings ask for."""
        from scoring.training import TrainConfig

        return TrainConfig(seed=seed, refit=refit, min_rows=self.train_min_rows,
                           min_positives=self.train_min_positives,
                           min_negatives=self.train_min_negatives)
