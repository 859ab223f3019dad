"""Ops views on the real stack: ``leadstream status`` after crafted samples closed two
windows (both shown, from Redis, and from the topics while Redis is down) and
``leadstream tail``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitors.windows import window_start
from schemas.control import ServingConfig
from schemas.monitor import MONITOR_GUARDRAILS, MONITOR_PERFORMANCE
from streams.kafka.reader import produce_one
from streams.kafka.topics import topic_name
from streams.stores.status import MONITOR, SERVING
from tests.integration.agents_support import run_cli
from tests.integration.helpers import wait_until
from tests.integration.monitor_helpers import (
    Kit,
    MonitorWorker,
    craft,
    make_kit,
    now_ms,
    publish,
    wait_reports,
)

L = 2000


@pytest.fixture(scope="module")
def kit() -> Kit:
    return make_kit()


def _windows(output: str, version: str) -> list[str]:
    """The window lines under the ``champion v<version>`` heading (250 columns: one each)."""
    lines = output.splitlines()
    at = lines.index(f"champion v{version}")
    found = []
    for line in lines[at + 1:]:
        if not line.startswith("  "):
            break
        found.append(line)
    assert found, output
    return found


def test_status_and_tail_after_a_closed_window(make_settings, kit: Kit, redis_client, chaos,
                                               tmp_path: Path) -> None:
    s = make_settings(model_name=f"lead-{uuid.uuid4().hex[:8]}", monitor_window_s=L / 1000,
                      monitor_lateness_s=0.5, monitor_tick_s=0.2, monitor_idle_s=60)
    v = kit.register(s)
    serving = ServingConfig(model_name=s.model_name, champion_version=v, sequence=4,
                            actor="pytest", reason="ops view test", updated_at=datetime.now(UTC))
    start = window_start(now_ms(), L) - 10 * L
    with MonitorWorker(s, tmp_path / "worker.log"):
        produce_one(s, s.topic_models_control, s.model_name, serving.model_dump_json().encode())
        for k in range(3):  # windows 0 and 1 close; 2 stays open
            publish(s, [craft(kit, s, v, 300, start + k * L + 100, 1000, f"w{k}", seed=k)], [0])
        wait_reports(s, topic_name(s, MONITOR_GUARDRAILS), lambda rs: len(rs) >= 2)
        perf = wait_reports(s, topic_name(s, MONITOR_PERFORMANCE), lambda rs: len(rs) >= 2)
        wait_until(lambda: redis_client.exists(SERVING.format(model=s.model_name)) and any(
            f"|{v}|".encode() in k for k in redis_client.hkeys(MONITOR.format(model=s.model_name))),
            30, "the monitor state in Redis")
    last = max(perf, key=lambda r: r["window_start_ms"])
    p95 = f"{last['latency_p95_ms']:.3g}"
    from_redis = run_cli(s, "status")
    assert from_redis.exit_code == 0, from_redis.output
    print("\n" + from_redis.output)
    assert f"serving champion v{v}" in from_redis.output and "seq 4" in from_redis.output
    rows = _windows(from_redis.output, v)
    assert len(rows) == 2, from_redis.output  # both closed windows, newest first
    row = rows[0]
    assert "guardrails HEALTHY" in row and "drift ok" in row and "AUC no labels" in row
    assert f"/{p95}/" in row and "n=300 " in row and "too small" not in row
    end = datetime.fromtimestamp(last["window_end_ms"] / 1000, UTC).strftime("%H:%M:%S")
    assert row.startswith(f"  {end} ")
    tail = run_cli(s, "tail", "monitor.guardrails", "--from-beginning", "--max", "1")
    assert tail.exit_code == 0, tail.output
    assert tail.output.count(f"key={s.model_name}") == 1 and '"state": "HEALTHY"' in tail.output
    every = run_cli(s, "tail", "monitor.guardrails", "--from-beginning", "--idle-s", "1")
    assert every.output.count(f"key={s.model_name}") == 2, every.output
    chaos.stop_redis()
    from_topics = run_cli(s, "status")
    assert from_topics.exit_code == 0, from_topics.output
    print(from_topics.output)
    assert "Redis unavailable" in from_topics.output and "reading the topics" in from_topics.output
    assert f"serving champion v{v}" in from_topics.output
    assert _windows(from_topics.output, v) == rows
