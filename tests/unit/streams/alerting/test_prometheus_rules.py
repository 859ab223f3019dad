"""The shipped alert rules, checked and unit-tested by Prometheus' own ``promtool`` (Debian's
``prometheus`` package) on synthetic series: each fires when it should, after its ``for``,
and stays quiet otherwise."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from streams.stack.prometheus import rules_file

PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="promtool (Debian: prometheus) missing")


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=60)


def test_the_rules_file_is_valid() -> None:
    done = promtool("check", "rules", str(rules_file()))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 4 rules found" in done.stdout


def _alert(name: str, at: str, fired: list[dict]) -> dict:
    return {"eval_time": at, "alertname": name, "exp_alerts": fired}


SCORER_DOWN = {  # scraped at 0-1m, then down (a crash leaves its target behind)
    "interval": "15s",
    "input_series": [
        {"series": 'up{job="leadstream-scorer", instance="127.0.0.1:9100"}',
         "values": "1x4 0x12"},
        {"series": 'up{job="leadstream-scorer", instance="127.0.0.1:9101"}', "values": "1x16"},
    ],
    "alert_rule_test": [
        _alert("LeadstreamScorerDown", "1m", []),
        _alert("LeadstreamScorerDown", "1m15s", []),  # down, but not yet 30 s
        _alert("LeadstreamScorerDown", "2m", [{"exp_labels": {
            "severity": "critical", "kind": "scorer_down", "job": "leadstream-scorer",
            "instance": "127.0.0.1:9100"}, "exp_annotations": {
            "summary": "Scorer 127.0.0.1:9100 is down",
            "description": "Prometheus cannot scrape the scorer at 127.0.0.1:9100: leads on "
                           "its partitions wait until it or another scorer takes them over."}}]),
    ],
}

LAG = {  # group g1's lag grows by 100 records a minute, its last record ever older; g2 steady
    "interval": "1m",
    "input_series": [
        {"series": 'leadstream_consumer_lag_records{group="g1", topic="t", partition="0"}',
         "values": "0+100x20"},
        {"series": 'leadstream_consumer_lag_seconds{group="g1", topic="t", partition="0"}',
         "values": "0+60x20"},
        {"series": 'leadstream_consumer_lag_records{group="g2", topic="t", partition="0"}',
         "values": "500x20"},
        {"series": 'leadstream_consumer_lag_seconds{group="g2", topic="t", partition="0"}',
         "values": "100x20"},
    ],
    "alert_rule_test": [
        _alert("LeadstreamConsumerLagGrowing", "3m", []),  # growing, but not for 5 minutes
        _alert("LeadstreamConsumerLagGrowing", "15m", [{"exp_labels": {
            "severity": "warning", "kind": "consumer_lag", "group": "g1"}, "exp_annotations": {
            "summary": "Consumer lag of g1 keeps growing",
            "description": "1.5k records behind and growing: scorers cannot keep up (add a "
                           "scorer, up to one per partition) or one is stuck."}}]),
    ],
}

DEAD_LETTERS = {  # 1,000 events a minute; dead letters 50 a minute (5 %), then 200 (20 %)
    "interval": "1m",
    "input_series": [
        {"series": "leadstream_scorer_consumed_total", "values": "0+1000x30"},
        {"series": 'leadstream_scorer_dead_lettered_total{reason="schema_violation"}',
         "values": "0+50x10 500+200x20"},
    ],
    "alert_rule_test": [
        _alert("LeadstreamDeadLetterRateHigh", "10m", []),
        _alert("LeadstreamDeadLetterRateHigh", "25m", [{"exp_labels": {
            "severity": "warning", "kind": "deadletter_rate"}, "exp_annotations": {
            "summary": "20% of lead events are dead-lettered",
            "description": "More than 10 % of the events on leads.incoming are rejected for 5 "
                           "minutes (reasons: leadstream_scorer_dead_lettered_total by reason; "
                           "the records on leads.deadletter): a CRM mapping changed or a "
                           "client sends bad data."}}]),
    ],
}


def test_each_rule_fires_when_it_should_and_only_then(tmp_path: Path) -> None:
    tests = tmp_path / "rules_test.yaml"
    tests.write_text(yaml.safe_dump({"rule_files": [str(rules_file())],
                                     "evaluation_interval": "15s",
                                     "tests": [SCORER_DOWN, LAG, DEAD_LETTERS]}))
    done = promtool("test", "rules", str(tests))
    assert done.returncode == 0, done.stdout + done.stderr
