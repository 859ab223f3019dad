"""``docker/grafana/leadstream.json``: a Grafana dashboard whose every query names only
metrics leadstream defines (collected from the processes' registries) or Prometheus' own
``up``, on the job names the stack scrapes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from streams.alerting.scrape import JOBS
from tests.support.metric_names import exposed_names

DASHBOARD = Path(__file__).resolve().parents[2] / "docker" / "grafana" / "leadstream.json"


def _exprs() -> list[str]:
    board = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in board["panels"] for t in p["targets"]]


def test_it_is_an_importable_dashboard() -> None:
    board = json.loads(DASHBOARD.read_text())
    assert board["uid"] == "leadstream" and board["title"]
    assert [i["name"] for i in board["__inputs"]] == ["DS_PROMETHEUS"]
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids)) >= 10
    for p in board["panels"]:
        assert p["title"] and p["targets"] and p["datasource"]["uid"] == "${DS_PROMETHEUS}"


def test_every_query_names_metrics_the_code_defines() -> None:
    known = exposed_names() | {"up"}
    named = {n for e in _exprs() for n in re.findall(r"\b(leadstream_[a-z0-9_]+|up)\b", e)}
    assert named and named - known == set()
    # and the dashboard shows the headline of each process
    for needed in ("leadstream_scorer_scored_total", "leadstream_consumer_lag_records",
                   "leadstream_consumer_lag_seconds", "leadstream_monitor_guardrail_level",
                   "leadstream_sink_delivered_total", "leadstream_alerts_posted_total"):
        assert needed in named


def test_job_selectors_match_the_scraped_jobs() -> None:
    for expr in _exprs():
        for selector in re.findall(r'job=~?"([^"]+)"', expr):
            assert any(re.fullmatch(selector, f"leadstream-{job}") for job in JOBS), expr
