"""The monitor turns an SRM-invalid experiment into a ``stop_invalid`` demand, never a
rollback; the SRM test runs only while one share held for every routed lead."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from monitors.judge import NoLabels
from schemas.control import GuardrailDemand, RollbackEvent, ServingConfig
from schemas.monitor import GuardrailLevel, GuardrailReport
from scoring.experiments.guardrail import GuardrailReading, GuardrailVerdict
from scoring.experiments.srm import sample_ratio_mismatch
from streams.monitor.config import monitor_config
from streams.monitor.metrics import MonitorMetrics
from streams.monitor.runtime import WindowAgent
from streams.monitor.sources import share_held
from streams.settings import Settings
from tests.unit.streams.monitor.test_cooldown_per_version import _Profiles, _window
from tests.unit.streams.monitor.test_judge import _setup


class _Reading:
    def __init__(self, reading: GuardrailReading):
        self.value = reading

    def reading(self, _model, _role, _version) -> GuardrailReading:
        return self.value


def _run(reading: GuardrailReading, windows: int,
         topic: str = "rollback") -> list[tuple[str, bytes]]:
    spec, cols, profile, _ = _setup()
    settings = Settings(_env_file=None)
    sent: list[tuple[str, bytes]] = []

    async def send(name, _model, value) -> None:
        sent.append((name, value))

    agent = WindowAgent(settings, monitor_config(settings), {}, {}, send, NoLabels(), None,
                        MonitorMetrics(), _Reading(reading))  # type: ignore[arg-type]
    agent.profiles = _Profiles(profile)  # type: ignore[assignment]
    for i in range(windows):
        asyncio.run(agent.report(_window(spec, profile, cols, "2", i * 60_000),
                                 (i + 1) * 60_000 + 1_000))
    return [(n, v) for n, v in sent if n == topic]


def _ab_levels(reading: GuardrailReading) -> list[GuardrailLevel]:
    reports = [GuardrailReport.model_validate_json(v) for _, v in _run(reading, 4, "guardrails")]
    return [g.level for r in reports for g in r.guardrails
            if g.metric == "treatment_below_control"]


def test_an_srm_invalid_experiment_is_a_stop_demand_per_window_never_a_rollback():
    srm = sample_ratio_mismatch(5400, 4600, 0.5)
    assert not srm.ok
    demands = _run(GuardrailReading(GuardrailVerdict.SRM_INVALID, srm), 4)
    events = [RollbackEvent.model_validate_json(v) for _, v in demands]
    # (the fixture's constant scores breach score_collapse too: that rollback is not ours)
    assert not [e for e in events if e.guardrail == "treatment_below_control"]
    events = [e for e in events if e.guardrail != "score_collapse"]
    assert [e.demand for e in events] == [GuardrailDemand.STOP_INVALID] * 4
    assert {e.guardrail for e in events} == {"srm"} and events[0].version == "2"
    assert events[0].evidence["srm_p_value"] == srm.p_value
    assert events[0].evidence["observed_share"] == 0.46
    assert len({e.event_id for e in events}) == 4


def test_the_ab_guardrail_breaches_on_worse_windows_but_never_on_srm_invalid_ones():
    # guards the test above: the same windows judged "worse" do breach the A/B guardrail
    assert _ab_levels(GuardrailReading(GuardrailVerdict.TREATMENT_WORSE))[-1] is (
        GuardrailLevel.CRITICAL)
    srm = sample_ratio_mismatch(5400, 4600, 0.5)
    levels = _ab_levels(GuardrailReading(GuardrailVerdict.SRM_INVALID, srm))
    assert levels and GuardrailLevel.CRITICAL not in levels


def _config(mode: str, share: float, steps: tuple[float, ...] = ()) -> ServingConfig:
    return ServingConfig(model_name="m", champion_version="1", challenger_version="2",
                         mode=mode, treatment_share=share, canary_steps=steps,
                         experiment_id="x", salt="s", sequence=2, actor="a",
                         updated_at=datetime(2025, 3, 1, tzinfo=UTC))


def test_srm_is_tested_only_while_one_share_held_for_every_routed_lead():
    assert share_held(_config("ab", 0.5), None) and share_held(_config("ab", 0.5), 0.5)
    assert not share_held(_config("ab", 0.5), 0.2)  # re-shared since the last report
    steps = (0.05, 0.25, 0.5)
    assert share_held(_config("canary", 0.05, steps), None)
    assert not share_held(_config("canary", 0.25, steps), None)  # past the first step
    assert not share_held(_config("canary", 0.25, steps), 0.25)
