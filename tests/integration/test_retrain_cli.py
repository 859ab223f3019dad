"""``leadstream retrain`` on labelled leads from the ledger (entries and outcomes written
through the outcome agent's join): registered as challenger when it holds up against the
champion on the same holdout, refused with a clear message (and nothing registered) when
labels are too few, below the AUC floor, or worse than the champion."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scoring.training import TrainedModel
from streams.settings import Settings
from tests.integration.agents_support import run_cli
from tests.integration.helpers import registry, train_champion
from tests.integration.outcome_helpers import join_directly, labelled_leads


@pytest.fixture
def champion(make_settings, redis_client, tmp_path: Path) -> tuple[Settings, TrainedModel]:
    redis_client.flushdb()  # the retrain reads the whole ledger
    settings = make_settings(home=tmp_path, mlflow_tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    return settings, train_champion(settings)


def _aucs(output: str) -> tuple[float, float]:
    found = re.search(r"test AUC new ([0-9.]+), champion ([0-9.]+)", output)
    assert found, output
    return float(found[1]), float(found[2])


def test_retrain_registers_a_challenger_that_holds_up(champion, redis_client) -> None:
    settings, trained = champion
    join_directly(settings, redis_client, *labelled_leads(trained, settings, "1", 2000, seed=21))
    out = run_cli(settings, "retrain")
    assert out.exit_code == 0, out.output
    new, champ = _aucs(out.output)
    assert new >= settings.retrain_auc_floor and new >= 0.95 * champ
    assert "(2000 rows)" in out.output and "registered" in out.output
    assert registry(settings).alias_version("challenger") == "2"
    assert registry(settings).alias_version("champion") == "1"


@pytest.mark.parametrize(("n", "seed", "shuffle", "message"), [
    (50, 31, False, "not enough labelled leads to retrain (50 rows, need 200"),
    (1000, 32, True, "below the floor 0.7"),
    (300, 45, False, "below 95% of the champion's"),
])
def test_retrain_refuses_without_registering(champion, redis_client, n: int, seed: int,
                                             shuffle: bool, message: str) -> None:
    settings, trained = champion
    join_directly(settings, redis_client,
                  *labelled_leads(trained, settings, "1", n, seed, shuffle_labels=shuffle))
    out = run_cli(settings, "retrain")
    assert out.exit_code == 1, out.output
    assert message in out.output, out.output
    assert "registered" not in out.output.replace("not registered", "")
    assert registry(settings).alias_version("challenger") is None
    assert [v.version for v in registry(settings).versions()] == ["1"]
