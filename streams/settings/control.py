"""The controller's settings (in the agents): rollbacks and experiments."""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import Field, model_validator

from scoring.experiments.report import DecisionPolicy
from streams.settings.part import SettingsPart

_DECIDES = DecisionPolicy()
"""The experiment settings default to how a look decides by default (one source)."""


class ControlSettings(SettingsPart):
    """How the controller rolls back, reports experiments and promotes."""

    # --- control plane and experiments (issue 3) ----------------------------------------
    rollback_cooldown_s: float = Field(300.0, ge=0)
    """After a rollback of a version, its further rollback events only alert for this long."""
    report_interval_s: float = Field(60.0, gt=0)
    """How often running canary/A/B experiments are reported on ``experiments.reports``."""
    experiment_alpha: float = Field(_DECIDES.alpha, gt=0, lt=1)
    """Significance level of the always-valid sequential test."""
    experiment_mde: float = Field(_DECIDES.mde, gt=0, lt=1)
    """Minimum detectable effect: the absolute difference in conversion rate (0.02 = 2
    percentage points) the always-valid test is tuned to (the bounded test's horizon, the
    mSPRT's mixing variance, Johari et al. 2017). Smaller: more power near that effect, a
    later horizon, slower on large effects in small samples."""
    experiment_test: Literal["bounded", "msprt"] = "bounded"
    """The always-valid test that judges experiments. ``bounded``: valid at every look up to a
    horizon, the sample a fixed-horizon test plans for the MDE (80 % power); there an
    undecided experiment stops inconclusive (keep control); 0.87-0.93 x the fixed test's
    power at that sample. ``msprt``: the open-ended mixture SPRT, valid for ever, 0.47-0.61 x
    the fixed test's power at that sample (it needs ~1.9 x it for the same power). A canary's
    progression policy overrides it with its ``test`` key (verdict table)."""
    experiment_min_outcomes: int = Field(_DECIDES.min_outcomes_per_arm, ge=0)
    """Outcomes per arm before a report may recommend promote or keep_control."""
    @model_validator(mode="before")
    @classmethod
    def _auto_promote_removed(cls, data: Any) -> Any:
        """0.1's ``LEADSTREAM_AUTO_PROMOTE`` is gone: a progression policy replaced it."""
        given = dict(data).get("auto_promote", os.environ.get("LEADSTREAM_AUTO_PROMOTE"))
        if given is not None and str(given).strip().lower() not in ("", "0", "false", "no",
                                                                    "off"):
            raise ValueError(
                "LEADSTREAM_AUTO_PROMOTE was removed: attach a progression policy to the "
                "canary instead (leadstream experiment start --mode canary --policy "
                "policy.toml; see docs/tutorials/first-canary.md) and unset it")
        return data
