"""A month of one-minute windows on the real topics: the dashboard reads them at start and
the pages load in chromium with every chart merged to at most 720 points. The load time is
measured and printed (not asserted: a shared machine's timing is no verdict)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from confluent_kafka import Producer

from schemas.monitor import (
    MONITOR_DRIFT,
    MONITOR_GUARDRAILS,
    MONITOR_PERFORMANCE,
    MONITOR_SAMPLES,
)
from streams.dashboard.charts import MAX_POINTS
from streams.kafka.topics import topic_name
from tests.integration.dashboard_support import DashboardProcess, chromium_page
from tests.integration.helpers import wait_until
from tests.support.windows import windows

DAYS = 30


def test_a_month_of_windows_loads_in_the_browser(make_settings, tmp_path: Path) -> None:
    s = make_settings(monitor_window_s=60.0, model_name="month")
    month = windows(s.model_name, days=DAYS, window_s=60.0)
    producer = Producer({**s.kafka_config(), "linger.ms": 50, "compression.type": "lz4"})
    for kind, spec in (("drift", MONITOR_DRIFT), ("performance", MONITOR_PERFORMANCE),
                       ("guardrails", MONITOR_GUARDRAILS), ("samples", MONITOR_SAMPLES)):
        for r in month[kind]:
            while True:
                try:
                    producer.produce(topic_name(s, spec), json.dumps(r).encode(),
                                     s.model_name.encode())
                    break
                except BufferError:
                    producer.poll(0.1)
    assert producer.flush(120) == 0
    n = len(month["performance"])
    errors: list[str] = []
    started = time.monotonic()
    with DashboardProcess(s, tmp_path / "dashboard.log") as dash, \
            chromium_page(errors) as page:
        wait_until(lambda: dash.payload("overview")["caught_up"], 300,
                   "the dashboard reading the month")
        print(f"\n{n} windows per kind read in {time.monotonic() - started:.1f} s")
        for name in ("overview", "drift", "performance"):
            t0 = time.monotonic()
            page.goto(f"{dash.url}/{name}")
            page.wait_for_selector("body[data-revision]", timeout=30_000)
            seconds = time.monotonic() - t0
            points = page.evaluate("[...document.querySelectorAll('.chart')]"
                                   ".map(c => Number(c.dataset.points))")
            size = len(json.dumps(dash.payload(name)))
            print(f"{name}: {seconds:.2f} s to the first rendered payload, {size / 1024:.0f} KiB,"
                  f" points per chart {points}")
            assert points and all(MAX_POINTS - 1 <= p <= MAX_POINTS for p in points), points
            page.screenshot(path=str(tmp_path / f"month-{name}.png"), full_page=True)
    assert errors == [], errors
