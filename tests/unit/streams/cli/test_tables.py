"""Terminal tables read at 80 columns (nothing cut with '…') and ``--json`` parses.

Each command runs through click with its data sources replaced by fixed records; the
output is checked for width, for truncation, and for every key value it must show.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from schemas.alerts import ControlAlert
from schemas.control import AuditEntry, ServingConfig, ServingMode
from schemas.policy import ProgressionPolicy
from schemas.privacy import ErasureEntry, lead_digest
from scoring.experiments import ArmTally, ExperimentContext, SequentialState, build_report
from scoring.experiments.progression import Action, Progress
from scoring.experiments.shadow import ShadowSummary
from streams.cli import main
from streams.cli.experiment import print_shadow, shadow_doc
from streams.settings import Settings

NOW = datetime(2026, 12, 1, 10, 0, 56, tzinfo=UTC)
LONG_REASON = ("guardrail score_collapse critical for v2 (champion) in window "
               "2026-12-01T10:00:50+00:00..2026-12-01T10:00:55+00:00: champion back to v1")
SERVING = {"model_name": "lead-scoring", "champion_version": "12", "challenger_version": "13",
           "mode": "canary", "treatment_share": 0.05, "sequence": 7,
           "actor": "guardrail:score_collapse", "updated_at": NOW.isoformat(),
           "reason": LONG_REASON}
REPORTS = {
    "champion|12|guardrails": {"state": "WARNING", "guardrails": [
        {"name": "latency_p99", "level": "WARNING"},
        {"name": "score_collapse", "level": "CRITICAL"},
        {"name": "error_rate", "level": "HEALTHY"}]},
    "champion|12|drift": {"verdict": "critical", "window_end_ms": 1796119255000,
                          "prediction": {"score_psi": 11.234}},
    "champion|12|performance": {
        "window_end_ms": 1796119255000, "n_scored": 59123, "latency_p50_ms": 22.5,
        "latency_p95_ms": 113.2, "latency_p99_ms": 140.1, "error_rate": 0.0,
        "deadletter_rate": 0.05, "auc": 0.8123, "n_labels": 5000},
    "challenger|13|performance": {
        "window_end_ms": 1796119255000, "n_scored": 250, "latency_p50_ms": 2.1,
        "latency_p95_ms": 2.9, "latency_p99_ms": 3.1, "error_rate": 0.0,
        "deadletter_rate": 0.0, "n_labels": 0},
}


def config(seq: int, champion: str, challenger: str | None = None) -> ServingConfig:
    extra = {"mode": ServingMode.CANARY, "treatment_share": 0.05, "experiment_id": "exp-13",
             "salt": "s"} if challenger else {}
    return ServingConfig(model_name="lead-scoring", champion_version=champion,
                         challenger_version=challenger, sequence=seq, actor="alice",
                         updated_at=NOW, **extra)


ENTRIES = [
    AuditEntry(model_name="lead-scoring", sequence=6, action="start_experiment", actor="alice",
               reason="canary of the retrained model", at=NOW, before=config(5, "12"),
               after=config(6, "12", "13")),
    AuditEntry(model_name="lead-scoring", sequence=7, action="rollback",
               actor="guardrail:score_collapse", reason=LONG_REASON, at=NOW,
               before=config(6, "12", "13"), after=config(7, "12")),
]
REFUSED = [ControlAlert(model_name="lead-scoring", kind="cooldown", source="rollback",
                        message="rollback of v13 refused: cooldown", actor="guardrail", at=NOW)]
ERASED = [ErasureEntry(request_id="req-1", actor="dpo", lead_sha256=lead_digest("lead-X9"),
                       requested_at=NOW, at=NOW, removed={"ledger": 2, "history": 1},
                       persistence=["aof", "rdb"])]
NOT_ERASED = [ControlAlert(model_name="privacy", kind="signature_refused", source="erasure",
                           message="erasure request refused (replayed)", request_id="req-2",
                           actor="unverified", at=NOW)]


@pytest.fixture
def sources(monkeypatch):
    monkeypatch.setattr("streams.cli.status.load", lambda *_: (SERVING, REPORTS, []))
    monkeypatch.setattr("streams.cli.models.history", lambda *_: ENTRIES)
    monkeypatch.setattr("streams.cli.models.alerts", lambda *_: REFUSED)
    monkeypatch.setattr("streams.cli.models.erasures", lambda *_: (ERASED, NOT_ERASED))
    for var in ("LEADSTREAM_BATCH_SIZE", "LEADSTREAM_MODEL_NAME"):
        monkeypatch.delenv(var, raising=False)


def run(*args: str, width: int = 80) -> str:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": str(width),
                                                        "LEADSTREAM_BATCH_SIZE": "500"})
    assert result.exit_code == 0, result.output
    return result.output


def assert_fits(text: str, width: int, *values: str) -> None:
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in text
    flat = re.sub(r"\s+", "", text)  # a folded value reads on across lines
    for value in values:
        assert re.sub(r"\s+", "", value) in flat, value


@pytest.mark.parametrize("width", [80, 160])
def test_status_fits_the_terminal(sources, width):
    out = run("status", width=width)
    assert_fits(out, width, "champion", "challenger", "12", "13", "59123", "WARNING",
                "latency_p99", "score_collapse", "critical", "11.2", "22.5", "113", "140",
                "0.05", "0.812 (n=5000)", "no labels", LONG_REASON)


def test_status_json(sources):
    doc = json.loads(run("status", "--json"))
    assert doc["model"] == "lead-scoring" and doc["serving"]["champion_version"] == "12"
    champion = next(w for w in doc["windows"] if w["role"] == "champion")
    assert champion["breached"] == ["latency_p99", "score_collapse"]
    assert champion["guardrails"] == "WARNING" and champion["drift"] == "critical"
    assert champion["n_scored"] == 59123 and champion["auc"] == 0.8123
    assert champion["window_end"] == "2026-12-01T10:00:55+00:00"
    assert {w["role"] for w in doc["windows"]} == {"champion", "challenger"}
    assert all(set(w) == set(champion) for w in doc["windows"])  # stable keys


@pytest.mark.parametrize("width", [80, 160])
def test_config_fits_the_terminal(sources, width):
    out = run("config", width=width)
    assert_fits(out, width, "LEADSTREAM_SINK_DEADLETTER_RETENTION_DAYS", "500",
                "Most events consumed, scored and committed in one transaction.",
                "How long the CLI waits for the controller to apply a request.")


def test_config_json(sources):
    doc = json.loads(run("config", "--json"))
    batch = next(d for d in doc if d["variable"] == "LEADSTREAM_BATCH_SIZE")
    assert batch == {"variable": "LEADSTREAM_BATCH_SIZE", "field": "batch_size",
                     "default": "1000", "value": "500",
                     "description": "Most events consumed, scored and committed in one "
                                    "transaction."}
    assert len(doc) == len(Settings.model_fields) and all(set(d) == set(batch) for d in doc)


@pytest.mark.parametrize("width", [80, 160])
def test_models_history_fits_the_terminal(sources, width):
    out = run("models", "history", width=width)
    assert_fits(out, width, "2026-12-01 10:00:56", "start_experiment", "rollback",
                "guardrail:score_collapse", "v12 → v12 vs v13 canary 0.05",
                "v12 vs v13 canary 0.05 → v12", LONG_REASON, "refused rollback (cooldown)",
                f"erased lead sha256:{lead_digest('lead-X9')} by dpo: 3 entries removed",
                "persistence aof,rdb", "req-2 signature_refused (by unverified)")
    assert "lead-X9" not in out


def test_models_history_json(sources):
    doc = json.loads(run("models", "history", "--json"))
    assert [c["sequence"] for c in doc["changes"]] == [6, 7]
    assert doc["changes"][1]["after"]["champion_version"] == "12"
    assert doc["changes"][1]["reason"] == LONG_REASON
    assert doc["refused"][0]["kind"] == "cooldown"
    assert AuditEntry.model_validate(doc["changes"][0]) == ENTRIES[0]
    assert [ErasureEntry.model_validate(e) for e in doc["erasures"]] == ERASED
    assert doc["erasures_refused"][0]["request_id"] == "req-2"


def test_experiment_report_fits_80_columns_and_has_json(monkeypatch):
    ctx = ExperimentContext("lead-scoring-canary-13", "lead-scoring", "canary", 0.05, "12",
                            "13")
    report, _ = build_report(ctx, ArmTally(6000, 600), ArmTally(310, 41), SequentialState(),
                             NOW)
    monkeypatch.setattr("streams.cli.experiment.latest_config",
                        lambda *_: config(6, "12", "13"))
    monkeypatch.setattr("streams.stores.experiments.look_now", lambda *_: report)  # read only
    monkeypatch.setattr("streams.stores.experiments.read_progress", lambda *_: None)
    out = run("experiment", "report")
    assert_fits(out, 80, "lead-scoring-canary-13", "control", "treatment", "6000", "310",
                report.recommendation.value)
    doc = json.loads(run("experiment", "report", "--json"))
    assert doc["experiment_id"] == "lead-scoring-canary-13"
    assert doc["treatment"]["outcomes"] == 310 and doc["recommendation"]
    assert doc["progression"] is None  # no policy: no progression
    progress = Progress(experiment_id="lead-scoring-canary-13", policy=ProgressionPolicy(),
                        step=1, step_windows=2, total_windows=5, step_start_assigned=100,
                        last_action=Action.HOLD, last_reasons=("dwell 2/3 windows",))
    monkeypatch.setattr("streams.stores.experiments.read_progress", lambda *_: progress)
    assert_fits(run("experiment", "report"), 80, "step 2/4 at 10%", "dwell 2/3 windows",
                "last decision: hold", "next: advance to 25%")
    doc = json.loads(run("experiment", "report", "--json"))
    assert doc["progression"]["step"] == 2 and doc["progression"]["last_action"] == "hold"


def test_shadow_summary_fits_80_columns_and_has_json(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    s = ShadowSummary(n=1200, sum_abs_diff=60.0, agree=1100, latency_sum_champion=1200.0,
                      latency_sum_challenger=2400.0)
    print_shadow({("12", "13"): s})
    assert_fits(capsys.readouterr().out, 80, "12", "13", "1200", "0.0500", "91.67%",
                "1.000 / 2.000")
    doc = shadow_doc({("12", "13"): s})
    assert json.loads(json.dumps(doc)) == [{
        "champion_version": "12", "challenger_version": "13", "n": 1200,
        "mean_abs_diff": 0.05, "correlation": s.correlation, "grade_agreement": 1100 / 1200,
        "mean_latency_ms_champion": 1.0, "mean_latency_ms_challenger": 2.0}]
