"""The rollback cooldown is per model version: a challenger version rolled back does not
shield the next version in the same role from its own rollback."""

from __future__ import annotations

import asyncio

import numpy as np

from monitors.batch_sample import batch_sample
from monitors.judge import NoLabels
from monitors.sketches import WindowSample
from monitors.windows import ClosedWindow
from scoring.features import FeatureEncoder
from streams.monitor.config import monitor_config
from streams.monitor.metrics import MonitorMetrics
from streams.monitor.runtime import WindowAgent
from streams.settings import Settings
from tests.unit.streams.monitor.test_judge import _setup


class _Profiles:
    def __init__(self, profile):
        self.profile = profile

    async def get(self, _model, _version):
        return self.profile


def _window(spec, profile, cols, version: str, start_ms: int) -> ClosedWindow:
    batch = FeatureEncoder(spec).encode_columns(cols)
    n = len(next(iter(cols.values())))
    sample = batch_sample(model_name="m", role="challenger", model_version=version,
                          profile=profile, spec=spec, numeric=batch.numeric,
                          categories=batch.categories, scores=np.full(n, 0.5),
                          latencies_ms=np.full(n, 3.0), n_rejected=0, n_failed=0,
                          event_times_ms=np.arange(n) + start_ms, sample_id=f"s{version}")
    return ClosedWindow(start_ms, start_ms + 60_000, WindowSample.from_contract(sample), 10,
                        "watermark")


def test_a_new_version_is_rolled_back_inside_the_previous_versions_cooldown():
    spec, cols, profile, _ = _setup()
    settings = Settings(_env_file=None)
    cfg = monitor_config(settings)
    assert min(g.cooldown_s for g in cfg.guardrails.guardrails) * 1000 > 60_000
    sent: list[tuple[str, str]] = []

    async def send(name, model, _value) -> None:
        sent.append((name, model))

    agent = WindowAgent(settings, cfg, {}, {}, send, NoLabels(), None,  # type: ignore[arg-type]
                        MonitorMetrics())
    agent.profiles = _Profiles(profile)  # type: ignore[assignment]
    asyncio.run(agent.report(_window(spec, profile, cols, "2", 0), 61_000))
    assert sent.count(("rollback", "m")) == 1
    asyncio.run(agent.report(_window(spec, profile, cols, "3", 60_000), 121_000))
    assert sent.count(("rollback", "m")) == 2  # v3's own first rollback, 60 s after v2's
