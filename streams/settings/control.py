"""The control plane's settings: its topics, experiments, the ledger, and Ed25519 signing."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from streams.settings.part import SettingsPart


class ControlSettings(SettingsPart):
    """Control-plane topics, experiments and the ledger; control-plane signing."""

    # --- control plane and experiments (issue 3) ----------------------------------------
    topic_models_control: str = "models.control"
    """Serving configuration per model (compacted; the controller is its only writer)."""
    topic_models_control_requests: str = "models.control.requests"
    """Changes asked of the controller by the CLI and automation."""
    topic_models_audit: str = "models.audit"
    """Audit entries of every applied serving change."""
    topic_models_rollback: str = "models.rollback"
    """Rollback demands from critical guardrails."""
    topic_models_progression: str = "models.progression"
    """Internal: challenger guardrail reports forwarded to the controller (one partition)."""
    topic_models_alerts: str = "models.alerts"
    """What the controller refused to do (no rollback target, cooldown, invalid request)."""
    topic_scores_shadow: str = "scores.shadow"
    """Champion vs challenger per lead in shadow mode."""
    topic_leads_outcomes: str = "leads.outcomes"
    """Lead outcomes (conversions) from the CRM."""
    topic_experiments_reports: str = "experiments.reports"
    """Experiment reports with statistics and a recommendation."""
    ledger_ttl_days: int = Field(90, ge=1)
    """How long a ledger entry (lead -> variant, version, score, features) is kept."""
    ledger_timeout_s: float = Field(0.2, gt=0)
    """Socket timeout of ledger writes; a slower Redis counts as down (entries reported)."""
    rollback_cooldown_s: float = Field(300.0, ge=0)
    """After a rollback of a version, its further rollback events only alert for this long."""
    control_wait_s: float = Field(30.0, gt=0)
    """How long the CLI waits for the controller to apply a request."""
    report_interval_s: float = Field(60.0, gt=0)
    """How often running canary/A/B experiments are reported on ``experiments.reports``."""
    experiment_alpha: float = Field(0.05, gt=0, lt=1)
    """Significance level of the always-valid sequential test."""
    experiment_mde: float = Field(0.02, gt=0, lt=1)
    """Minimum detectable effect: the absolute difference in conversion rate (0.02 = 2
    percentage points) the always-valid test is tuned to (its mixing variance, Johari et al.
    2017). Smaller: more power near that effect, slower on large ones in small samples."""
    experiment_min_outcomes: int = Field(200, ge=0)
    """Outcomes per arm before a report may recommend promote or keep_control."""
    auto_promote: bool = False
    """Removed: a canary advances and promotes on its own under a progression policy
    (``leadstream experiment start --mode canary --policy policy.toml``); set to true, it
    stops leadstream at start with that advice."""

    @field_validator("auto_promote")
    @classmethod
    def _auto_promote_removed(cls, on: bool) -> bool:
        if on:
            raise ValueError(
                "LEADSTREAM_AUTO_PROMOTE was removed: attach a progression policy to the "
                "canary instead (leadstream experiment start --mode canary --policy "
                "policy.toml; see docs/tutorials/first-canary.md) and unset it")
        return on

    # --- control-plane signing (issue 10, item 3) -----------------------------------------
    # Ed25519 signatures in Kafka headers (scoring/control/signing.py). ``required``: the
    # controller applies only requests signed by a key of the allow-list, and scorers,
    # ``status`` and the agents apply only models.control records the controller signed.
    control_signing: Literal["off", "required"] = "off"
    """``off`` (plain demo: anybody who may write the control topics is trusted, one warning
    line at start) or ``required`` (secured stack default)."""
    control_allowlist_path: Path | None = None
    """The agents' allow-list of operator public keys: TOML, ``name = "<base64 raw key>"``."""
    operator_key_path: Path | None = None
    """The CLI's private key (PEM PKCS8, 0600) that signs control requests."""
    operator_key_name: str | None = None
    """The name the CLI signs as (its allow-list entry); default: the key file's stem."""
    controller_key_path: Path | None = None
    """The agents' private key: signs every models.control record (and auto-promotions)."""
    controller_public_key_path: Path | None = None
    """The controller's public key (PEM), which scorers, ``status`` and the CLI verify."""
    control_signature_window_s: float = Field(300.0, gt=0)
    """A signed request older (or further in the future) than this is refused; a signature
    is remembered this long (Redis, TTL) so a copy of it is refused as a replay."""
