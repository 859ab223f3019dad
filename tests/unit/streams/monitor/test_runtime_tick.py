"""A tick closes every model's windows even when one model's close fails (counted)."""

from __future__ import annotations

import asyncio

from schemas.monitor_windows import WindowInput, WindowInputKind
from streams.monitor.config import monitor_config
from streams.monitor.metrics import MonitorMetrics
from streams.monitor.runtime import WindowAgent
from streams.settings import Settings


def test_one_failing_model_does_not_stop_the_others_windows():
    settings = Settings(_env_file=None)
    metrics = MonitorMetrics()

    async def send(*_args) -> None:
        return None

    agent = WindowAgent(settings, monitor_config(settings), {"a": {}, "b": {}, "c": {}}, {},
                        send, None, None, metrics)  # type: ignore[arg-type]
    closed: list[str] = []

    async def close(model, state, wall_ms, changed) -> None:
        if model == "b":
            raise OverflowError("Python int too large to convert to C long")
        closed.append(model)

    agent.close = close  # type: ignore[method-assign]
    asyncio.run(agent.on_input(WindowInput(kind=WindowInputKind.TICK, received_ms=1), 1))
    assert closed == ["a", "c"]
    assert metrics.registry.get_sample_value("leadstream_monitor_errors_total",
                                             {"kind": "close"}) == 1


def test_an_invalid_serving_record_is_not_stored_for_status():
    settings = Settings(_env_file=None)
    metrics = MonitorMetrics()
    stored: list[tuple[str, bytes]] = []

    class Store:
        async def serving(self, model, value):
            stored.append((model, value))

    async def send(*_args) -> None:
        return None

    agent = WindowAgent(settings, monitor_config(settings), {}, {}, send, None,
                        Store(), metrics)  # type: ignore[arg-type]
    asyncio.run(agent.store_serving("m", b'{"model_name": "m"}'))
    assert stored == []
    assert metrics.registry.get_sample_value("leadstream_monitor_errors_total",
                                             {"kind": "invalid_config"}) == 1
