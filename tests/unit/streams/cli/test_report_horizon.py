"""``experiment report`` says how far a bounded test has come toward its horizon."""

from __future__ import annotations

from datetime import UTC, datetime

from scoring.experiments import ArmTally, DecisionPolicy, ExperimentContext, build_report
from scoring.experiments.sequential import SequentialState
from streams.cli.experiment import print_report

CTX = ExperimentContext("e", "m", "ab", 0.5, "1", "2")
NOW = datetime(2026, 1, 5, tzinfo=UTC)


def test_the_report_shows_the_share_of_the_horizon_for_the_bounded_test_only(capsys):
    tallies = (ArmTally(3000, 300), ArmTally(3000, 310))
    bounded, _ = build_report(CTX, *tallies, SequentialState(), NOW,
                              DecisionPolicy(test="bounded"))
    print_report(bounded)
    # V0 = p(1-p)(2/n) with the pooled p = 611/6002; V* = (0.02 / 2.8016)^2
    pooled = 611 / 6002
    share = (0.02 / 2.801585218) ** 2 / (pooled * (1 - pooled) * 2 / 3000)
    assert f"(bounded test: {share:.0%} of its horizon)" in capsys.readouterr().out
    msprt, _ = build_report(CTX, *tallies, SequentialState(), NOW, DecisionPolicy())
    print_report(msprt)
    assert "horizon" not in capsys.readouterr().out
