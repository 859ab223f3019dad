"""Progression evidence: what closed windows may say about a canary challenger, over time."""

from __future__ import annotations

from hypothesis import strategies as st

from schemas.monitor import GuardrailLevel
from schemas.policy import ProgressionPolicy
from scoring.experiments.progression import Evidence

GUARDRAILS = ("model_error_rate", "latency_p95", "treatment_conversion")


@st.composite
def policies(draw) -> ProgressionPolicy:
    steps = draw(st.lists(st.integers(1, 100), min_size=1, max_size=5, unique=True))
    return ProgressionPolicy(
        steps=tuple(s / 100 for s in sorted(steps)), min_windows=draw(st.integers(1, 4)),
        min_samples=draw(st.integers(0, 300)), max_windows=draw(st.integers(1, 40)),
        healthy=tuple(draw(st.lists(st.sampled_from(GUARDRAILS), unique=True, max_size=3))),
        margin=draw(st.sampled_from([0.0, 0.01, 0.05])),
        min_outcomes_per_arm=draw(st.integers(0, 300)))


@st.composite
def evidence(draw, window_end_ms: int, share: float, assigned: int) -> Evidence:
    """One window's evidence: guardrails at random levels, random counts and intervals."""
    levels = {g: draw(st.sampled_from(list(GuardrailLevel)))
              for g in draw(st.lists(st.sampled_from(GUARDRAILS), unique=True, max_size=3))}
    lower = draw(st.none() | st.floats(-0.5, 0.5))
    upper = None if lower is None else lower + draw(st.floats(0.0, 0.5))
    n_c, n_t = draw(st.integers(0, 2000)), draw(st.integers(0, 2000))
    return Evidence(window_end_ms=window_end_ms, treatment_share=share, guardrails=levels,
                    srm_ok=draw(st.booleans()), srm_p_value=draw(st.floats(0, 1)),
                    control_outcomes=n_c, treatment_outcomes=n_t,
                    control_conversions=draw(st.integers(0, n_c)),
                    treatment_conversions=draw(st.integers(0, n_t)),
                    treatment_assigned=assigned, p_value=draw(st.floats(0, 1)),
                    lower=lower, upper=upper)
