"""The monitor agents on the real stack: windows across partitions, processes and a restart
(with their counts of unknown attributes); injected drift; a constant-score version rolled
back once."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from monitors.windows import window_start
from schemas.control import MODELS_ROLLBACK
from schemas.monitor import MONITOR_DRIFT, MONITOR_GUARDRAILS, MONITOR_PERFORMANCE
from streams.kafka.topics import topic_name
from tests.integration.helpers import TIMING_MARGIN
from tests.integration.monitor_helpers import (
    Kit,
    MonitorWorker,
    craft,
    make_kit,
    now_ms,
    processed,
    publish,
    publish_in_transaction,
    wait_reports,
)

L = 2000  # window length in these tests, ms
ROLLBACK_EVENT_TARGET_MS = 5000
"""Window closable → rollback event; asserted with ``TIMING_MARGIN``."""


@pytest.fixture(scope="module")
def kit() -> Kit:
    return make_kit()


def _settings(make_settings, **extra):
    return make_settings(model_name=f"lead-{uuid.uuid4().hex[:8]}", monitor_window_s=L / 1000,
                         monitor_lateness_s=0.5, monitor_tick_s=0.2, **extra)


def _by_window(records: list[dict]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for r in records:
        out.setdefault(r["window_start_ms"], []).append(r)
    return out


def test_windows_merge_across_partitions_processes_and_a_restart(
        make_settings, kit: Kit, tmp_path: Path) -> None:
    s = _settings(make_settings, monitor_idle_s=60)
    v = kit.register(s)
    base = window_start(now_ms() - 30_000, L)
    sizes: dict[int, int] = Counter()
    typos: dict[int, int] = Counter()  # events with the unknown attribute "emp-var-rate"

    def window(k: int, ids: list[str], lo: int, hi: int, parts: list[int]) -> None:
        samples = []
        for i, sid in enumerate(ids):
            n = 100 + 10 * i
            samples.append(craft(kit, s, v, n, base + k * L + lo, hi - lo, sid, seed=k * 10 + i,
                                 unknown={"emp-var-rate": i + 1}))
            sizes[k] += n
            typos[k] += i + 1
        publish(s, samples, parts)

    procs = [f"{p}:{q}" for p in ("scorer-a", "scorer-b") for q in range(3)]
    with MonitorWorker(s, tmp_path / "worker-a.log") as worker:
        window(0, [f"w0/{p}" for p in procs], 100, 1000, [0, 1, 2])
        processed(s)
        window(1, [f"w1/{p}" for p in procs], 100, 1000, [0, 1, 2])  # closes w0
        processed(s)
        window(2, ["w2/a", "w2/b", "w2/c"], 100, 300, [0, 1, 2])  # w1 still open
        processed(s)
        worker.stop()
    with MonitorWorker(s, tmp_path / "worker-b.log"):
        before = sizes[2]
        window(2, ["w2/d", "w2/e", "w2/f"], 400, 1200, [3, 4, 5])  # closes w1
        sizes[2] = before + sum(100 + 10 * i for i in range(3))
        publish(s, [craft(kit, s, v, 100, base + 2 * L + 100, 200, "w2/a", seed=20,
                          unknown={"emp-var-rate": 1})])  # again: counted once
        processed(s)
        publish(s, [craft(kit, s, v, 50, base + 3 * L + 600, 300, "w3/a", seed=30)])
        drift = wait_reports(s, topic_name(s, MONITOR_DRIFT),
                             lambda rs: {base, base + L, base + 2 * L} <= set(_by_window(rs)))
        perf = wait_reports(s, topic_name(s, MONITOR_PERFORMANCE),
                            lambda rs: base + 2 * L in _by_window(rs))
        guards = wait_reports(s, topic_name(s, MONITOR_GUARDRAILS),
                              lambda rs: base + 2 * L in _by_window(rs))
    for records in (drift, perf, guards):
        counts = Counter(r["window_start_ms"] for r in records)
        assert all(c == 1 for c in counts.values()), counts
    by = {r["window_start_ms"]: r for r in perf}
    for k in range(3):
        assert by[base + k * L]["n_scored"] == sizes[k], (k, by[base + k * L], sizes)
        assert by[base + k * L]["n_rejected"] == 2 * 6
        assert by[base + k * L]["unknown_attributes"] == {"emp-var-rate": typos[k]}
    assert all(r["state"] == "HEALTHY" for r in guards)


def test_injected_drift_is_reported_within_two_windows(
        make_settings, kit: Kit, tmp_path: Path) -> None:
    s = _settings(make_settings, monitor_idle_s=1.0)
    v = kit.register(s)
    base = window_start(now_ms() - 30_000, L)
    samples = []
    for k in range(4):
        shift = {"engagement_score": 0.5} if k >= 2 else None
        for j in range(4):
            samples.append(craft(kit, s, v, 250, base + k * L + 450 * j, 400, f"w{k}/{j}",
                                 seed=100 + 10 * k + j, shift=shift))
    with MonitorWorker(s, tmp_path / "worker.log"):
        publish(s, samples, [0])
        drift = wait_reports(s, topic_name(s, MONITOR_DRIFT), lambda rs: len(rs) >= 4)
    by = {r["window_start_ms"]: r for r in drift}
    assert [by[base + k * L]["n"] for k in range(4)] == [1000] * 4
    assert by[base]["verdict"] == by[base + L]["verdict"] == "ok", by[base]
    flagged = [k for k in (2, 3) if by[base + k * L]["verdict"] in ("warn", "critical")]
    assert flagged, [by[base + k * L]["verdict"] for k in range(4)]
    eng = {f["name"]: f for f in by[base + flagged[0] * L]["features"]}["engagement_score"]
    assert eng["persisted"] in ("warn", "critical") and eng["psi"] >= 0.1, eng


def test_constant_score_version_is_rolled_back_once(
        make_settings, kit: Kit, tmp_path: Path) -> None:
    s = _settings(make_settings, monitor_idle_s=60)  # windows close by watermark only
    v = kit.register(s)
    rollback_topic = topic_name(s, MODELS_ROLLBACK)
    start = window_start(now_ms(), L) - 3 * L

    def bad(k: int, n: int, lo: int, span: int) -> None:
        publish(s, [craft(kit, s, v, n, start + k * L + lo, span, f"bad/{k}", seed=k,
                          constant=0.5)], [0])

    with MonitorWorker(s, tmp_path / "worker.log"):
        bad(0, 500, 100, 1000)
        processed(s)
        t_close = now_ms()  # the next sample's watermark closes the bad window
        bad(1, 500, 550, 1000)
        events = wait_reports(s, rollback_topic, lambda rs: len(rs) >= 1)
        guards = wait_reports(s, topic_name(s, MONITOR_GUARDRAILS), lambda rs: len(rs) >= 1)
        bad(2, 300, 550, 100)  # closes window 1: still critical, no second rollback
        guards = wait_reports(s, topic_name(s, MONITOR_GUARDRAILS), lambda rs: len(rs) >= 2)
        events = wait_reports(s, rollback_topic, lambda rs: len(rs) >= 1)
    (event,) = events
    assert event["version"] == v and event["guardrail"] == "score_collapse"
    assert event["event_id"] == f"{s.model_name}:champion:{v}:{start}"
    first, second = sorted(guards, key=lambda r: r["window_start_ms"])
    assert first["state"] == "CRITICAL" and first["rollback_requested"]
    assert any(t["to_level"] == "CRITICAL" for t in first["transitions"])
    assert second["state"] == "CRITICAL" and not second["rollback_requested"]
    emitted = datetime.fromisoformat(event["emitted_at"]).timestamp() * 1000
    report = datetime.fromisoformat(first["emitted_at"]).timestamp() * 1000
    print(f"\nwindow closable -> guardrail report {(report - t_close) / 1000:.3f} s, "
          f"-> rollback event {(emitted - t_close) / 1000:.3f} s (target "
          f"{ROLLBACK_EVENT_TARGET_MS / 1000:.0f} s, asserted < "
          f"{TIMING_MARGIN * ROLLBACK_EVENT_TARGET_MS / 1000:.0f} s)")
    assert 0 < emitted - t_close < TIMING_MARGIN * ROLLBACK_EVENT_TARGET_MS


def test_samples_of_an_aborted_transaction_are_never_counted(
        make_settings, kit: Kit, tmp_path: Path) -> None:
    """The agents read ``monitor.samples`` read_committed: a batch whose transaction was
    aborted (its sample has an id of its own, so de-duplication cannot hide it) is not in
    the window; the committed batch after it is."""
    s = _settings(make_settings, monitor_idle_s=60)  # windows close by watermark only
    v = kit.register(s)
    base = window_start(now_ms() - 30_000, L)
    aborted = craft(kit, s, v, 100, base + 100, 500, "aborted-batch", seed=1)
    committed = craft(kit, s, v, 150, base + 200, 500, "committed-batch", seed=2)
    closer = craft(kit, s, v, 50, base + L + 900, 100, "next-window", seed=3)
    with MonitorWorker(s, tmp_path / "worker.log"):
        publish_in_transaction(s, [aborted], commit=False)
        publish_in_transaction(s, [committed, closer], commit=True)
        perf = wait_reports(s, topic_name(s, MONITOR_PERFORMANCE),
                            lambda rs: base in _by_window(rs))
        drift = wait_reports(s, topic_name(s, MONITOR_DRIFT), lambda rs: base in _by_window(rs))
    (window,) = _by_window(perf)[base]
    assert window["n_scored"] == 150, window
    assert window["n_rejected"] == 2, window
    assert _by_window(drift)[base][0]["n"] == 150
