"""``leadstream status`` shows the recent windows, not only the last one: a window below the
monitors' minimum n is marked too small to judge, a version the serving configuration no
longer names is shown as replaced (not as the champion), and no value is split at 80
columns or on a pipe."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from streams.cli import main

MINUTE_MS = 60_000
END = 1_796_119_255_000
SERVING = {"model_name": "lead-scoring", "champion_version": "2", "challenger_version": None,
           "mode": "off", "treatment_share": 0.0, "sequence": 3, "actor": "alice",
           "updated_at": "2026-12-01T10:00:56+00:00", "reason": "promote v2"}


def window(role: str, version: str, end: int, n: int, psi: float, state: str = "HEALTHY",
           verdict: str = "ok") -> dict:
    return {"role": role, "version": version, "reports": {
        "drift": {"window_end_ms": end, "n": n, "verdict": verdict,
                  "prediction": {"score_psi": psi}},
        "performance": {"window_end_ms": end, "n_scored": n, "latency_p50_ms": 2.0,
                        "latency_p95_ms": 3.0, "latency_p99_ms": 4.0, "error_rate": 0.0,
                        "deadletter_rate": 0.0, "n_labels": 0},
        "guardrails": {"window_end_ms": end, "state": state, "guardrails": []}}}


RECENT = [  # newest first, as Redis keeps them
    window("champion", "2", END, 1, 12.3, verdict="insufficient_data"),
    window("champion", "2", END - MINUTE_MS, 400, 0.02),
    window("champion", "2", END - 2 * MINUTE_MS, 380, 0.03),
    window("champion", "2", END - 3 * MINUTE_MS, 390, 0.01),
    window("champion", "1", END - 4 * MINUTE_MS, 410, 0.04),
]


@pytest.fixture
def state(monkeypatch):
    monkeypatch.setattr("streams.cli.status.load", lambda *_: (SERVING, {}, RECENT))
    monkeypatch.delenv("LEADSTREAM_MONITOR_DRIFT_MIN_N", raising=False)


def run(*args: str, width: int | None) -> str:
    env = {"COLUMNS": None if width is None else str(width)}
    result = CliRunner().invoke(main, ["status", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_recent_windows_with_the_small_one_marked_and_the_replaced_version(state):
    doc = json.loads(run("--json", width=None))
    shown = [(w["version"], w["n_scored"], w["too_small"], w["in_service"])
             for w in doc["windows"]]
    assert shown == [("2", 1, True, True), ("2", 400, False, True), ("2", 380, False, True),
                     ("1", 410, False, False)]
    assert doc["min_n"] == 100
    text = run(width=80)
    assert "n=1 (too small to judge)" in text and "n=400" in text and "n=380" in text
    assert "n=390" not in text  # three per version in service
    assert "\nchampion v1 (replaced: no longer served)\n" in text
    assert text.count("\nchampion v2\n") == 1


@pytest.mark.parametrize("width", [80, 120, None])
def test_no_value_is_split(state, width):
    text = run(width=width)
    lines = text.splitlines()
    for value in ("insufficient_data", "score PSI 12.3", "p50/p95/p99 2/3/4 ms",
                  "n=1 (too small to judge)", "guardrails HEALTHY", "AUC no labels"):
        assert any(value in line for line in lines), (value, text)
    if width is not None:
        assert max(len(line) for line in lines) <= width
    else:  # a pipe: one line per window
        assert any("10:00:55" in line and "AUC no labels" in line for line in lines)


def test_without_a_serving_configuration_it_names_the_models_that_have_one(monkeypatch):
    monkeypatch.setattr("streams.cli.status.load", lambda *_: (None, {}, []))
    monkeypatch.setattr("streams.cli.status.serving_models",
                        lambda *_: ["lead-scoring", "lead-scoring-demo-4242"])
    text = run(width=None)
    assert "lead-scoring: no serving configuration on models.control" in text
    assert "leadstream status --model lead-scoring-demo-4242" in text
    assert "--model lead-scoring\n" not in text
