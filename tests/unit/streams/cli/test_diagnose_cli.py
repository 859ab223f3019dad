"""``leadstream diagnose`` reads at 80 columns (nothing cut with '…') and ``--json`` has
the documented keys; the evidence source is replaced by a renamed-field fault."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from monitors.diagnosis import diagnose
from monitors.evidence import Evidence, FeatureEvidence, ProcessEvidence
from streams.cli import main

EVIDENCE = Evidence(
    model="lead-scoring", now_ms=1_800_000_000_000, window_end_ms=1_799_999_990_000,
    n_scored=1200, n_rejected=30, guardrail_state="WARNING", breached=("score_psi",),
    features=(FeatureEvidence("website_visits", "numeric", 3.2, "critical", 1.0, 0.01),
              FeatureEvidence("lead_source", "categorical", 0.01, "ok", 0.0, 0.0, 0.0)),
    unknown_attributes={"web_visits_count_from_marketing_automation": 1200}, score_psi=0.41,
    newest_input_ms={"leads.incoming": 1_799_999_999_000},
    deadletter_reasons={"schema_violation": 20, "invalid_json": 10},
    processes=(ProcessEvidence("scorer", 2, 17), ProcessEvidence("agents", 1)),
    sink_failures={"crm_rejected": 3, "status_422": 3},
)


@pytest.fixture
def report(monkeypatch):
    found = diagnose(EVIDENCE)
    monkeypatch.setattr("streams.cli.diagnose.diagnosis_report", lambda *_: found)
    return found


def run(*args: str, width: int = 80) -> str:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("width", [80, 120])
def test_diagnose_fits_the_terminal(report, width):
    out = run("diagnose", width=width)
    assert max(len(line) for line in out.splitlines()) <= width, out
    assert "…" not in out
    for value in ("web_visits_count", "website_visits is missing", "critical",
                  "next step: fix the CRM mapping", "status_422=3"):
        assert value in out, (value, out)
    # the likeliest cause is row 1
    assert out.index("web_visits_count") < out.index("website_visits is missing")


def test_diagnose_json_keys(report):
    doc = json.loads(run("diagnose", "--json"))
    assert doc["model"] == "lead-scoring"
    assert doc["root_causes"][:2] == ["unknown_attributes", "missing_values"]
    assert doc["next_steps"][0] == "fix the CRM mapping"
    assert doc == json.loads(json.dumps(report.as_dict()))


def test_a_second_unknown_attribute_below_the_threshold_is_no_finding():
    ev = replace(EVIDENCE, unknown_attributes={"x": 1})
    assert "unknown_attributes" not in diagnose(ev).as_dict()["root_causes"]
