"""The monitor state ``status`` reads, in a real Redis: the recent windows list keeps the
newest ``RECENT_WINDOWS`` (newest first) with the model's TTL, next to the last window per
role/version; ``serving_models`` names the models that have a serving configuration."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from schemas.monitor import GuardrailLevel, GuardrailReport
from streams.stores.status import (
    MONITOR_TTL_S,
    RECENT,
    RECENT_WINDOWS,
    StateWriter,
    read_state,
    serving_models,
)


def report(model: str, end_ms: int) -> GuardrailReport:
    return GuardrailReport(model_name=model, role="champion", model_version="1",
                           window_start_ms=end_ms - 5000, window_end_ms=end_ms,
                           state=GuardrailLevel.HEALTHY, guardrails=[],
                           emitted_at=datetime.now(UTC))


def test_recent_windows_are_bounded_and_newest_first(stack_settings, redis_client) -> None:
    model, other = f"m-{uuid.uuid4().hex[:8]}", f"m-{uuid.uuid4().hex[:8]}"
    ends = [1_000_000 + 5000 * k for k in range(RECENT_WINDOWS + 10)]

    async def write() -> None:
        writer = StateWriter(stack_settings.redis_url, 2.0)
        try:
            for end in ends:
                await writer.reports(model, "champion", "1", [("guardrails", report(model, end))])
            await writer.serving(model, b'{"champion_version": "1"}')
            await writer.reports(other, "champion", "1", [("guardrails", report(other, 1))])
        finally:
            await writer.close()

    asyncio.run(write())
    serving, last, recent = read_state(stack_settings.redis_url, 2.0, model)
    assert serving == {"champion_version": "1"}
    assert last["champion|1|guardrails"]["window_end_ms"] == ends[-1]
    got = [w["reports"]["guardrails"]["window_end_ms"] for w in recent]
    assert got == ends[::-1][:RECENT_WINDOWS]
    assert {(w["role"], w["version"]) for w in recent} == {("champion", "1")}
    assert 0 < redis_client.ttl(RECENT.format(model=model)) <= MONITOR_TTL_S
    names = serving_models(stack_settings.redis_url, 2.0)
    assert model in names and other not in names  # no serving configuration for `other`
