"""What one closed window says about a canary's challenger (:class:`Evidence`: counts,
tests and guardrail levels, no lead data), built by :func:`evidence_from` from the
challenger's guardrail report of that window and a look at the experiment taken then.

The look's sample-ratio test is kept only while every lead of the experiment was routed
at the share in force (a canary at its first step): past it, leads of several shares mix
and the test would cry mismatch on a healthy split, so the evidence says ``srm_checked``
0 and the monitor's own SRM gate (which has the same rule) is the one that stops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.control import ServingConfig
from schemas.experiments import ExperimentReport
from schemas.monitor import GuardrailLevel, GuardrailReport


@dataclass(frozen=True)
class Evidence:
    """What one closed window says about the challenger (no lead data: counts and tests)."""

    window_end_ms: int
    treatment_share: float
    guardrails: dict[str, GuardrailLevel]
    srm_ok: bool
    srm_p_value: float
    control_outcomes: int
    treatment_outcomes: int
    control_conversions: int
    treatment_conversions: int
    treatment_assigned: int
    p_value: float
    lower: float | None
    upper: float | None
    looks: int = 0
    window_start_ms: int = 0
    decided_at_ms: int = 0
    """When the decision is taken (wall clock): an advance's step begins then."""
    srm_checked: bool = True
    """False past a canary's first step: its leads were routed at several shares."""
    horizon_reached: bool = False
    """A horizon-bounded test reached its maximum information: its verdict is final."""
    guardrail_values: dict[str, float | None] = field(default_factory=dict)
    """Each guardrail's metric in the window (e.g. model_auc: the AUC), for the audit."""

    def as_dict(self) -> dict[str, float | int | str | None]:
        out: dict[str, float | int | str | None] = {
            k: v for k, v in self.__dict__.items() if k not in ("guardrails",
                                                                "guardrail_values")}
        out["srm_ok"], out["srm_checked"] = int(self.srm_ok), int(self.srm_checked)
        out["horizon_reached"] = int(self.horizon_reached)
        out |= {f"guardrail.{k}": v.value for k, v in sorted(self.guardrails.items())}
        out |= {f"value.{k}": v for k, v in sorted(self.guardrail_values.items())}
        return out


def srm_checkable(config: ServingConfig) -> bool:
    return not config.canary_steps or config.treatment_share == config.canary_steps[0]


def evidence_from(report: GuardrailReport, config: ServingConfig,
                  look: ExperimentReport, now_ms: int) -> Evidence:
    checked = srm_checkable(config)
    ci = look.sequential_ci
    return Evidence(
        window_end_ms=report.window_end_ms, treatment_share=config.treatment_share,
        guardrails={g.name: g.level for g in report.guardrails},
        guardrail_values={g.name: g.value for g in report.guardrails},
        srm_ok=look.srm_ok or not checked, srm_p_value=look.srm_p_value if checked else 1.0,
        control_outcomes=look.control.outcomes, treatment_outcomes=look.treatment.outcomes,
        control_conversions=look.control.conversions,
        treatment_conversions=look.treatment.conversions,
        treatment_assigned=look.treatment.assigned or 0, p_value=look.sequential_p_value,
        lower=ci.lower, upper=ci.upper, looks=look.sequential_looks,
        window_start_ms=report.window_start_ms, decided_at_ms=now_ms, srm_checked=checked,
        horizon_reached=look.information >= 1.0)
