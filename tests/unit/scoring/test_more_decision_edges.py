"""More decision edges: previous-champion bookkeeping, policy pass-through, simulation looks."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from schemas.control import ControlRequest, ServingConfig, ServingMode
from scoring.control import ControlState, apply_request
from scoring.experiments import ArmTally, DecisionPolicy, ExperimentContext, build_report
from scoring.experiments.guardrail import treatment_worse_now
from scoring.experiments.sequential import SequentialState
from scoring.experiments.simulation import (
    SimulatedLooks,
    naive_rejections,
    sequential_crossings,
    sequential_rejections,
)

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def state(champion, former, rolled=(), mode="off", challenger=None):
    split = mode in ("ab", "canary")
    cfg = ServingConfig(model_name="m", champion_version=champion, challenger_version=challenger,
                        mode=mode, treatment_share=0.5 if split else 0.0,
                        experiment_id="x" if split else None, salt="s" if split else None,
                        sequence=1, actor="t", updated_at=T0)
    return ControlState(model_name="m", config=cfg, former_champions=former,
                        rolled_back=frozenset(rolled))


def rollback(s, rid="r1"):
    r = ControlRequest(request_id=rid, model_name="m", action="rollback", actor="a",
                       requested_at=T0)
    return apply_request(s, r, T0)


def test_manual_rollback_previous_champion_skips_the_target_and_rolled_back_versions():
    t = rollback(state("5", ("2", "3", "2"), {"3"}))
    assert t.config.champion_version == "2" and t.config.previous_champion_version is None
    t = rollback(state("4", ("1", "3", "2"), {"3"}))
    assert t.config.champion_version == "2" and t.config.previous_champion_version == "1"


def test_manual_rollback_during_an_experiment_ends_it():
    t = rollback(state("3", ("1",), mode="ab", challenger="4"))
    c = t.config
    assert (c.champion_version, c.mode, c.challenger_version, c.experiment_id) == (
        "1", ServingMode.OFF, None, None)


def test_the_guardrail_value_uses_the_policys_burn_in():
    drop = (SequentialState(), ArmTally(50, 40), ArmTally(50, 2))
    assert treatment_worse_now(*drop, DecisionPolicy(burn_in=10)) is True
    tiny = (SequentialState(), ArmTally(1, 1), ArmTally(1, 0))
    assert treatment_worse_now(*tiny, DecisionPolicy(burn_in=0)) is not None


def test_the_report_judges_treatment_worse_at_the_policys_alpha():
    previous = SequentialState(looks=1, p_value=0.07, lower=-0.05, upper=-0.01, estimate=-0.03)
    ctx = ExperimentContext("e", "m", "ab", 0.5)
    report, _ = build_report(ctx, ArmTally(50, 5), ArmTally(50, 5), previous, T0,
                             DecisionPolicy(alpha=0.1))
    assert report.treatment_worse
    report, _ = build_report(ctx, ArmTally(50, 5), ArmTally(50, 5), previous, T0)
    assert not report.treatment_worse


def looks(conv_t):
    n = np.array([[100, 200, 300, 400]])
    return SimulatedLooks(np.array([[10, 20, 30, 40]]), n, np.array([conv_t]), n)


def test_naive_rejections_read_exactly_the_asked_looks():
    sim = looks([10, 20, 60, 60])  # only look 3 (index 2) is significant at 1 %
    assert naive_rejections(sim, 0.01)  # every look is read by default
    assert not naive_rejections(sim, 0.01, every=2)  # looks 2 and 4 only
    assert not naive_rejections(sim, 0.01, every=4)


def test_sequential_crossings_start_at_exactly_the_burn_in():
    n = np.array([[100]])
    sim = SimulatedLooks(np.array([[5]]), n, np.array([[60]]), n)
    assert sequential_crossings(sim, 0.05, burn_in=100)[0, 0]
    assert not sequential_crossings(sim, 0.05, burn_in=101)[0, 0]
    small = SimulatedLooks(np.array([[1]]), np.array([[50]]), np.array([[40]]), np.array([[50]]))
    assert sequential_rejections(small, 0.05, burn_in=10)[0]


def test_guardrail_rollback_previous_champion_is_never_the_new_champion():
    from schemas.control import ModelRole, RollbackEvent
    from scoring.control import apply_rollback

    e = RollbackEvent(event_id="e1", model_name="m", role=ModelRole.CHAMPION, version="5",
                      guardrail="g", window_start=T0, window_end=T0, emitted_at=T0)
    t = apply_rollback(state("5", ("2", "3", "2"), {"3"}), e, T0, 60)
    assert t.config.champion_version == "2" and t.config.previous_champion_version is None
