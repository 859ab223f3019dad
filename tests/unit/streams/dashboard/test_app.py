"""The dashboard app on a history filled by hand: every page renders, its payload is
bounded with 30 days of one-minute windows, and the event stream pushes the same payload."""

from __future__ import annotations

import json
import re
import time

import pytest
from fastapi.testclient import TestClient

from streams.dashboard.app import create_app
from streams.dashboard.charts import MAX_POINTS
from streams.dashboard.history import History
from streams.dashboard.pages import PAGES, Dashboard
from streams.settings import Settings
from tests.support.windows import windows

MODEL = "lead-scoring"


@pytest.fixture(scope="module")
def month() -> dict[str, list[dict]]:
    return windows(MODEL, days=30, window_s=60.0)


@pytest.fixture(scope="module")
def client(month: dict[str, list[dict]]) -> TestClient:
    history = History(max_age_s=30 * 86_400 + 3600, max_items=50_000, window_s=60.0)
    for kind in ("drift", "performance", "guardrails"):
        for r in month[kind]:
            history.add_report(kind, r)
    for s in month["samples"]:
        history.add_sample(s)
    settings = Settings(_env_file=None, monitor_window_s=60.0)
    with TestClient(create_app(Dashboard(settings, MODEL, history))) as c:
        yield c


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_its_shell_with_the_vendored_chart_library(
        client: TestClient, page: str) -> None:
    r = client.get(f"/{page}")
    assert r.status_code == 200
    assert f'data-page="{page}"' in r.text
    assert '<script src="/static/vendor/uplot/uPlot.iife.min.js">' in r.text
    links = re.findall(r'(?:src|href)="([^"]*)"', r.text)
    assert links and all((u.startswith("/") and not u.startswith("//")) or u == "data:,"
                         for u in links), links  # nothing fetched from elsewhere


def test_static_files_and_the_licence_are_served(client: TestClient) -> None:
    for path in ("vendor/uplot/uPlot.iife.min.js", "vendor/uplot/uPlot.min.css",
                 "vendor/uplot/LICENSE", "dashboard.js", "dashboard.css"):
        assert client.get(f"/static/{path}").status_code == 200, path


def test_an_unknown_page_is_404(client: TestClient) -> None:
    assert client.get("/nope").status_code == 404
    assert client.get("/api/nope").status_code == 404


@pytest.mark.parametrize("page", ["overview", "drift", "performance"])
def test_thirty_days_of_windows_make_a_bounded_payload(
        client: TestClient, month: dict, page: str) -> None:
    started = time.perf_counter()
    r = client.get(f"/api/{page}")
    seconds = time.perf_counter() - started
    body = r.json()
    assert len(month["performance"]) == 30 * 1440
    assert body["charts"], page
    for c in body["charts"]:
        assert 0 < c["points"] <= MAX_POINTS, c["id"]
        assert any(v is not None for s in c["series"] for v in s["values"]), c["id"]
    size = len(r.content)
    print(f"\n{page}: 30 days ({len(month['performance'])} windows) -> {size / 1024:.0f} KiB "
          f"payload, built and served in {seconds * 1000:.0f} ms")
    assert size < 600 * 1024


def test_the_event_stream_pushes_the_pages_payload(client: TestClient) -> None:
    expected = client.get("/api/overview").json()
    with client.stream("GET", "/events/overview") as stream:
        lines = []
        for line in stream.iter_lines():
            lines.append(line)
            if line.startswith("data: "):
                break
    assert lines[0] == "event: payload"
    pushed = json.loads(lines[-1][len("data: "):])
    assert pushed["charts"] == expected["charts"] and pushed["revision"] == expected["revision"]


def test_overview_shows_guardrail_state_and_evidence(client: TestClient) -> None:
    body = client.get("/api/overview").json()
    assert body["states"] == [{"role": "champion", "version": "1", "state": "HEALTHY",
                               "serving": True}]
    (guardrails,) = [t for t in body["tables"] if t["id"] == "guardrails"]
    assert guardrails["rows"][0][:5] == ["champion", "1", "score_collapse", "HEALTHY",
                                         "score_std"]
