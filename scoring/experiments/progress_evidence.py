"""A closed window's :class:`~scoring.experiments.progression.Evidence`, from the challenger's
guardrail report of that window and a look at the experiment taken when it closed.

The look's sample-ratio test is kept only while every lead of the experiment was routed
at the share in force (a canary at its first step): past it, leads of several shares mix
and the test would cry mismatch on a healthy split, so the evidence says ``srm_checked``
0 and the monitor's own SRM gate (which has the same rule) is the one that stops.
"""

from __future__ import annotations

from schemas.control import ServingConfig
from schemas.experiments import ExperimentReport
from schemas.monitor import GuardrailReport
from scoring.experiments.progression import Evidence


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
        window_start_ms=report.window_start_ms, decided_at_ms=now_ms, srm_checked=checked)
