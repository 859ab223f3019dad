"""``experiment shadow-summary`` and a shadow's ``experiment report``: both models on the
same labelled leads side by side (numbers checked with sklearn), the paired test, the
plain verdict, 80 columns and ``--json``."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.metrics import roc_auc_score

from schemas.control import ServingConfig, ServingMode
from schemas.policy import ProgressionPolicy
from scoring.experiments.progression import Action, Progress
from scoring.experiments.shadow import ShadowSummary
from scoring.experiments.shadow_quality import shadow_quality
from streams.cli import main
from streams.cli.experiment_shadow import print_shadow, shadow_doc
from streams.stores.shadow_labels import ShadowLabels

NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)


def labelled(n: int, seed: int = 4) -> ShadowLabels:
    rng = np.random.default_rng(seed)
    truth = 1 / (1 + np.exp(-(rng.normal(size=n) * 1.5 - 1.0)))
    y = (rng.random(n) < truth).astype(float)
    return ShadowLabels(y, rng.random(n), np.clip(truth + rng.normal(scale=0.05, size=n), 0, 1))


def fits(text: str, width: int, *values: str) -> None:
    assert max(len(line) for line in text.splitlines()) <= width
    flat = re.sub(r"\s+", "", text)
    for value in values:
        assert re.sub(r"\s+", "", value) in flat, value


def test_summary_shows_both_models_the_test_and_the_verdict(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    pair = labelled(1200)
    q = shadow_quality(pair.labels, pair.champion, pair.challenger, ("12", "13"),
                       min_labels=100)
    s = ShadowSummary(n=1500, sum_abs_diff=60.0, agree=1100, latency_sum_champion=1500.0,
                      latency_sum_challenger=3000.0)
    print_shadow({("12", "13"): s}, {("12", "13"): q})
    auc_a, auc_b = roc_auc_score(pair.labels, pair.champion), roc_auc_score(pair.labels,
                                                                             pair.challenger)
    fits(capsys.readouterr().out, 80, "champion v12", "challenger v13", f"{auc_a:.4f}",
         f"{auc_b:.4f}", "precision at top 10 %", "calibration error", "paired DeLong",
         "The challenger v13 ranks leads better than the champion v12")
    doc = json.loads(json.dumps(shadow_doc({("12", "13"): s}, {("12", "13"): q})))
    quality = doc[0]["quality"]
    assert quality["champion"]["auc"] == pytest.approx(auc_a)
    assert quality["challenger"]["auc"] == pytest.approx(auc_b)
    assert quality["ranking"] == "challenger ranks better" and quality["n_labels"] == 1200
    assert quality["paired_delong"]["p_value"] < 0.05
    assert doc[0]["n"] == 1500 and "quality" not in shadow_doc({("12", "13"): s})[0]


def test_with_too_few_labels_it_says_how_many_it_has_and_needs():
    pair = labelled(60)
    q = shadow_quality(pair.labels, pair.champion, pair.challenger, ("1", "2"), min_labels=500)
    assert q.sentence() == ("Cannot tell yet which model ranks leads better: 60 / 500 "
                            "labelled leads.")
    doc = json.loads(json.dumps(q.as_dict()))
    assert doc["ranking"] == "too few labels" and doc["verdict"] == q.sentence()
    none = shadow_quality(np.zeros(0), np.zeros(0), np.zeros(0), ("1", "2"))
    assert json.loads(json.dumps(none.as_dict()))["champion"]["auc"] is None


def shadow_config() -> ServingConfig:
    return ServingConfig(model_name="lead-scoring", champion_version="12",
                         challenger_version="13", mode=ServingMode.SHADOW, sequence=9,
                         actor="alice", updated_at=NOW)


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


def test_a_shadows_report_shows_the_labelled_comparison_and_its_progression(monkeypatch):
    pair = labelled(900)
    asked = []
    monkeypatch.setattr("streams.cli.experiment.latest_config", lambda *_: shadow_config())
    monkeypatch.setattr("streams.cli.experiment_shadow.read_pair",
                        lambda _s, *key: asked.append(key) or pair)
    monkeypatch.setattr("streams.stores.experiments.read_progress", lambda *_: None)
    doc = json.loads(run("experiment", "report", "--json"))
    assert asked[-1] == ("lead-scoring", "12", "13") and doc["progression"] is None
    assert doc["quality"]["challenger"]["auc"] == pytest.approx(
        roc_auc_score(pair.labels, pair.challenger))
    policy = ProgressionPolicy(shadow_promote=True, min_labels=2000, alpha=0.01)
    progress = Progress(experiment_id="lead-scoring-shadow-9", policy=policy, shadow_of="13",
                        total_windows=4, last_action=Action.HOLD,
                        last_reasons=("900/2000 labelled leads (250 converted)",))
    ids = []
    monkeypatch.setattr("streams.stores.experiments.read_progress",
                        lambda _s, exp: ids.append(exp) or progress)
    out = run("experiment", "report")
    fits(out, 80, "shadow of v13 beside champion v12", "900 / 2000 labelled leads",
         "last decision: hold", "900/2000 labelled leads", "promote when the paired DeLong")
    assert ids == ["lead-scoring-shadow-9"]
    doc = json.loads(run("experiment", "report", "--json"))
    assert doc["quality"]["min_labels"] == 2000 and doc["quality"]["alpha"] == 0.01
    assert doc["progression"]["shadow_of"] == "13" and doc["progression"]["windows"] == 4


def test_a_shadows_report_is_not_published(monkeypatch):
    monkeypatch.setattr("streams.cli.experiment.latest_config", lambda *_: shadow_config())
    result = CliRunner().invoke(main, ["experiment", "report", "--publish"])
    assert result.exit_code == 2 and "read only" in result.output


def test_a_p_value_below_a_floats_range_is_not_printed_as_zero():
    from scoring.experiments.shadow_quality import p_text

    assert (p_text(0.0), p_text(0.012345)) == ("<1e-300", "=0.0123")
