"""An experiment's progression policy (the contract; TOML parsing:
:mod:`scoring.experiments.policy`). It travels on ``models.control.requests`` with the
``start_experiment`` (canary or shadow) that attaches it, and the controller keeps it with
the experiment."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


def check_steps(steps: tuple[float, ...]) -> None:
    """Canary steps are strictly ascending shares in (0, 1] (at most 100 of them)."""
    if len(steps) > 100 or any(not 0.0 < s <= 1.0 for s in steps) \
            or list(steps) != sorted(set(steps)):
        raise ValueError("canary_steps must be strictly ascending shares in (0, 1]")


GateOn = Literal["advance", "promote"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WebhookGate(_Frozen):
    """One confirm-webhook: a 2xx answer to its POST lets the gated action go."""

    name: str = Field(min_length=1, max_length=64)
    url: str = Field(pattern=r"^https?://", max_length=2000)
    on: tuple[GateOn, ...] = ("promote",)
    timeout_s: float = Field(5.0, gt=0, le=60)


class ProgressionPolicy(_Frozen):
    """How a canary advances, promotes, holds or stops on its own, and how a shadow run
    ends on its labels (see :mod:`scoring.experiments.policy`)."""

    steps: tuple[float, ...] = (0.05, 0.10, 0.25, 0.50)
    min_windows: int = Field(3, ge=1)
    min_samples: int = Field(200, ge=0)
    max_windows: int = Field(120, ge=1)
    healthy: tuple[str, ...] = ()
    alpha: float = Field(0.05, gt=0, lt=1)
    margin: float = Field(0.01, ge=0, lt=1)
    min_outcomes_per_arm: int = Field(200, ge=0)
    test: Literal["bounded", "msprt"] | None = None
    """The always-valid test that judges; None: the setting ``LEADSTREAM_EXPERIMENT_TEST``."""
    webhooks: tuple[WebhookGate, ...] = Field((), max_length=10)
    shadow_promote: bool = False
    """A shadow challenger that ranks leads better (paired DeLong test) may be promoted."""
    min_labels: int = Field(500, ge=4)
    """Labelled leads scored by both models before a shadow run's paired test is read."""
    auc_margin: float = Field(0.0, ge=0, lt=1)
    """A shadow challenger promotes when its AUC is not below the champion's by more than
    this (the interval's lower bound above ``-auc_margin``); 0: only when better."""

    @field_validator("steps")
    @classmethod
    def _steps(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if not v:
            raise ValueError("a canary needs at least one step")
        check_steps(v)
        return v

    def gates(self, action: GateOn) -> tuple[WebhookGate, ...]:
        return tuple(w for w in self.webhooks if action in w.on)
