"""Sequences of guardrail reports: what ``monitor.guardrails`` may carry over time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from schemas.control import ModelRole
from schemas.monitor import GuardrailLevel, GuardrailReport, GuardrailStatus, GuardrailTransition

LEVELS = list(GuardrailLevel)
GUARDRAILS = ("latency_p95", "score_collapse", "error_rate")


def build_report(model: str, version: str, levels: dict[str, GuardrailLevel],
                 before: dict[str, GuardrailLevel], at: datetime) -> GuardrailReport:
    ms = int(at.timestamp() * 1000)
    statuses = [GuardrailStatus(name=g, metric=g, value=1.0, level=lvl, warn=1.0, critical=2.0,
                                action="rollback", breach_streak=0, clean_streak=0)
                for g, lvl in levels.items()]
    moves = [GuardrailTransition(guardrail=g, from_level=before.get(g, GuardrailLevel.HEALTHY),
                                 to_level=lvl, value=1.0)
             for g, lvl in levels.items() if before.get(g, GuardrailLevel.HEALTHY) != lvl]
    worst = max(levels.values(), key=LEVELS.index, default=GuardrailLevel.HEALTHY)
    return GuardrailReport(model_name=model, role=ModelRole.CHAMPION, model_version=version,
                           window_start_ms=ms - 60_000, window_end_ms=ms, state=worst,
                           guardrails=statuses, transitions=moves, emitted_at=at)


@st.composite
def report_sequences(draw, max_reports: int = 12) -> list[GuardrailReport]:
    """Reports of one or two versions, one minute apart, guardrails at random levels."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    names = draw(st.lists(st.sampled_from(GUARDRAILS), min_size=1, max_size=3, unique=True))
    out, before = [], {}
    for i in range(draw(st.integers(1, max_reports))):
        version = draw(st.sampled_from(["1", "2"]))
        levels = {g: draw(st.sampled_from(LEVELS)) for g in names}
        out.append(build_report("m", version, levels, before.get(version, {}),
                                start + timedelta(minutes=i)))
        before[version] = levels
    return out
