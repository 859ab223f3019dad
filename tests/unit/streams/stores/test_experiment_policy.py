"""The experiment settings become the decision policy: the MDE tunes the test, the setting
chooses which."""

from dataclasses import replace

import pytest
from pydantic import ValidationError

from scoring.experiments.report import DecisionPolicy
from scoring.experiments.tuning import mixing_variance
from streams.settings import Settings
from streams.stores.experiments import policy_from


def test_the_mde_from_the_environment_tunes_the_mixing_variance(monkeypatch):
    monkeypatch.setenv("LEADSTREAM_EXPERIMENT_MDE", "0.004")
    monkeypatch.setenv("LEADSTREAM_EXPERIMENT_ALPHA", "0.01")
    policy = policy_from(Settings(_env_file=None))
    assert (policy.mde, policy.alpha) == (0.004, 0.01)
    assert policy.tau2 == pytest.approx(mixing_variance(0.004, 0.01))


def test_the_default_mde_keeps_tau_near_the_former_0_02():
    policy = policy_from(Settings(_env_file=None))
    assert policy.mde == 0.02
    assert policy.tau2**0.5 == pytest.approx(0.02, rel=0.05)


@pytest.mark.parametrize("bad", ["0", "-0.01", "1"])
def test_an_mde_outside_0_1_is_refused(monkeypatch, bad):
    monkeypatch.setenv("LEADSTREAM_EXPERIMENT_MDE", bad)
    with pytest.raises(ValidationError, match="experiment_mde"):
        Settings(_env_file=None)


def test_the_settings_choose_the_bounded_test_unless_told_otherwise(monkeypatch):
    assert policy_from(Settings(_env_file=None)).test == "bounded"
    monkeypatch.setenv("LEADSTREAM_EXPERIMENT_TEST", "msprt")
    assert policy_from(Settings(_env_file=None)).test == "msprt"
    monkeypatch.setenv("LEADSTREAM_EXPERIMENT_TEST", "fixed")
    with pytest.raises(ValidationError, match="experiment_test"):
        Settings(_env_file=None)


class _Progresses:
    """The one read :func:`with_progress_test` makes of the store: a canary's progress."""

    def __init__(self, progress):
        self._progress = progress

    def progress(self, experiment_id):
        return self._progress if experiment_id == "x" else None


def test_every_reader_runs_the_test_the_canary_policy_names():
    from schemas.policy import ProgressionPolicy
    from scoring.experiments.progression import Progress
    from streams.stores.experiments import with_progress_test

    base = policy_from(Settings(_env_file=None))
    named = _Progresses(Progress(experiment_id="x", policy=ProgressionPolicy(test="msprt")))
    assert with_progress_test(base, named, "x").test == "msprt"
    assert with_progress_test(base, named, "y").test == "bounded"  # no progress: the setting
    unnamed = _Progresses(Progress(experiment_id="x", policy=ProgressionPolicy()))
    assert with_progress_test(base, unnamed, "x") == base


def test_the_settings_default_to_the_decision_policys_defaults(monkeypatch):
    """One source: unset, the experiment settings decide exactly as ``DecisionPolicy()``,
    but with the bounded test (the class keeps the open-ended one, which needs no MDE)."""
    for name in ("ALPHA", "MDE", "MIN_OUTCOMES", "TEST"):
        monkeypatch.delenv(f"LEADSTREAM_EXPERIMENT_{name}", raising=False)
    assert policy_from(Settings(_env_file=None)) == replace(DecisionPolicy(), test="bounded")
