"""The diagnose page shows ``leadstream diagnose``'s report, built off the request path."""

from __future__ import annotations

import threading
from dataclasses import replace

from monitors.diagnosis import diagnose
from monitors.evidence import Evidence, FeatureEvidence, ProcessEvidence
from streams.dashboard.diagnosis import Diagnoses, diagnose_page

NOW = 1_800_000_000_000
EVIDENCE = Evidence(
    model="m", now_ms=NOW, window_end_ms=NOW - 60_000, n_scored=2000, n_rejected=0,
    guardrail_state="HEALTHY",
    features=(FeatureEvidence("visits", "numeric", 0.9, "critical", 0.02, 0.02),),
    score_psi=0.3, newest_input_ms={"leads.incoming": NOW - 2_000},
    deadletter_reasons={}, sink_failures={},
    processes=(ProcessEvidence("scorer", 0, 6), ProcessEvidence("agents", 1),
               ProcessEvidence("sink", 1)))


def _ready(diagnoses: Diagnoses, built: threading.Event) -> dict:
    diagnose_page(diagnoses, "m")  # the first look starts the build
    assert built.wait(10)
    return diagnose_page(diagnoses, "m")


def test_the_page_lists_the_reports_findings_in_rank_order_and_its_next_steps():
    built = threading.Event()
    report = diagnose(EVIDENCE)
    page = _ready(Diagnoses(lambda: report, on_ready=built.set), built)
    findings, steps = page["tables"]
    doc = report.as_dict()
    assert [row[2] for row in findings["rows"]] == [f["kind"] for f in doc["findings"]]
    assert findings["rows"][0][:3] == [1, "critical", "scorer"]  # a stopped scorer first
    assert "visits" in " ".join(str(r) for r in findings["rows"])
    assert [row[0] for row in steps["rows"]] == doc["next_steps"]


def test_nothing_is_built_while_a_page_waits_and_at_most_once_per_refresh():
    calls, gate, built = [], threading.Event(), threading.Event()

    def slow_report():
        calls.append(1)
        gate.wait(10)
        return diagnose(replace(EVIDENCE, processes=()))

    diagnoses = Diagnoses(slow_report, refresh_s=3600, on_ready=built.set)
    first = diagnose_page(diagnoses, "m")
    assert first["tables"] == [] and "building" in first["empty"]
    diagnose_page(diagnoses, "m")  # a second look while building starts nothing
    gate.set()
    assert built.wait(10)
    assert diagnose_page(diagnoses, "m")["tables"]
    assert len(calls) == 1  # within refresh_s: the report is reused


def test_a_failing_report_is_said_on_the_page_and_tried_again():
    built = threading.Event()

    def broken():
        raise ConnectionError("redis://u:secret@h down")

    diagnoses = Diagnoses(broken, refresh_s=0, on_ready=built.set)
    page = _ready(diagnoses, built)
    assert page["tables"] == [] and "ConnectionError" in page["empty"]
    assert "secret" not in page["empty"]


def test_the_page_shows_importance_now_vs_training():
    built = threading.Event()
    report = diagnose(replace(EVIDENCE, importance_reference={"visits": 0.7, "region": 0.3},
                              importance_now={"visits": 0.2, "region": 0.8}, n_explained=900))
    page = _ready(Diagnoses(lambda: report, on_ready=built.set), built)
    importance = {t["id"]: t for t in page["tables"]}["importance"]
    assert importance["rows"] == [["region", 0.8, 0.3, 1, 2], ["visits", 0.2, 0.7, 2, 1]]
    findings = page["tables"][0]["rows"]
    assert any(r[2] == "importance_shift" and "shares" not in r[4] for r in findings)
