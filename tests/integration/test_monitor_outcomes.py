"""Model quality and the A/B guardrail on the real stack: outcomes joined by the outcome
agent fill each version's label window, so ``monitor.performance`` carries AUC, precision
at 10 % and calibration (and "no labels" while Redis is down); a treatment converting
significantly below control is rolled back and the controller stops the experiment."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from monitors.quality import expected_calibration_error, precision_at_top
from monitors.windows import window_start
from schemas.control import MODELS_ROLLBACK, ServingMode
from schemas.experiments import Outcome
from schemas.ledger import LedgerEntry
from schemas.monitor import MONITOR_PERFORMANCE
from schemas.scored import Variant
from streams.control.client import latest_config
from streams.kafka.topics import topic_name
from streams.stores.experiments import ExperimentStore
from streams.stores.labels import LabelWindow
from streams.stores.ledger import Ledger
from streams.stores.status import SERVING
from tests.integration.agents_support import AgentsProcess, registered_versions, run_cli
from tests.integration.helpers import wait_until
from tests.integration.monitor_helpers import Kit, craft, make_kit, now_ms, publish, wait_reports
from tests.integration.outcome_helpers import (
    T0,
    labelled_leads,
    outcomes_committed,
    produce_outcomes,
)

L = 2000  # window length, ms


@pytest.fixture(scope="module")
def kit() -> Kit:
    return make_kit()


def _settings(make_settings, **extra):
    return make_settings(model_name=f"lead-{uuid.uuid4().hex[:8]}", monitor_window_s=L / 1000,
                         monitor_lateness_s=0.5, monitor_tick_s=0.2, monitor_idle_s=60, **extra)


def _close_window(kit: Kit, s, version: str, role: str, k: int) -> int:
    """Samples of window ``k`` (counted from 20 windows back), then one that closes it."""
    start = window_start(now_ms(), L) - (20 - k) * L
    publish(s, [craft(kit, s, version, 300, start + 100, 1000, f"{role}/{k}", role=role,
                      seed=k)], [0])
    publish(s, [craft(kit, s, version, 20, start + L + 600, 100, f"{role}/{k}/next",
                      role=role, seed=k + 1)], [0])
    return start


def _ready(agents: AgentsProcess) -> None:
    wait_until(lambda: "Ready" in agents.text() or agents.proc.poll() is not None, 60, "agents")
    assert agents.proc.poll() is None, agents.text()[-3000:]


def test_outcomes_fill_quality_per_version_and_redis_down_says_no_labels(
        make_settings, kit: Kit, redis_client, chaos, tmp_path: Path) -> None:
    s = _settings(make_settings, monitor_label_window=400)
    v = kit.register(s)
    entries, outcomes = labelled_leads(kit.trained, s, v, 500, seed=5)
    assert Ledger(redis_client, 3600).write(entries).written == 500
    window = LabelWindow(redis_client, 400)
    perf_topic = topic_name(s, MONITOR_PERFORMANCE)
    with AgentsProcess(s, tmp_path / "agents.log") as agents:
        _ready(agents)
        produce_outcomes(s, outcomes)
        produce_outcomes(s, outcomes[-100:])  # redelivered: no second pair
        wait_until(lambda: outcomes_committed(s), 60, "outcomes joined", poll_s=0.2)
        assert len(window.read(s.model_name, v)[0]) == 400
        start = _close_window(kit, s, v, "champion", 0)
        perf = wait_reports(s, perf_topic, lambda rs: len(rs) >= 1)
        chaos.stop_redis()
        later = _close_window(kit, s, v, "champion", 2)
        perf = wait_reports(s, perf_topic, lambda rs: len(rs) >= 2)
        assert agents.proc.poll() is None
    by = {r["window_start_ms"]: r for r in perf}
    kept = slice(100, 500)  # the newest 400 outcomes
    y = np.array([o.converted for o in outcomes[kept]], float)
    p = np.array([e.score for e in entries[kept]])
    report = by[start]
    assert report["n_labels"] == 400
    assert report["auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-9)
    assert report["precision_at_10"] == pytest.approx(precision_at_top(y, p))
    assert report["calibration_error"] == pytest.approx(expected_calibration_error(y, p))
    down = by[later]
    assert down["n_labels"] == 0 and down["auc"] is None and down["n_scored"] == 300


def test_treatment_below_control_rolls_the_challenger_back_and_stops_the_ab(
        make_settings, kit: Kit, redis_client, tmp_path: Path) -> None:
    s = _settings(make_settings, home=tmp_path, rollback_cooldown_s=0.0, control_wait_s=60.0,
                  mlflow_tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    registered_versions(s, 2)
    with AgentsProcess(s, tmp_path / "agents.log") as agents:
        out = run_cli(s, "experiment", "start", "--mode", "ab", "--challenger", "2",
                      "--share", "0.5")
        assert out.exit_code == 0, out.output + agents.text()[-3000:]
        started = latest_config(s, s.model_name)
        wait_until(lambda: started.experiment_id.encode() in (
            redis_client.get(SERVING.format(model=s.model_name)) or b""), 30, "serving state")
        _tally(redis_client, started.experiment_id, s.model_name)
        t0 = now_ms()
        _close_window(kit, s, "2", "challenger", 0)
        events = wait_reports(s, topic_name(s, MODELS_ROLLBACK), lambda rs: len(rs) >= 1)
        wait_until(lambda: latest_config(s, s.model_name).sequence > started.sequence, 30,
                   "the controller to stop the experiment")
        print(f"\nwindow closable -> serving without the treatment {(now_ms() - t0) / 1e3:.2f} s")
    (event,) = events
    assert (event["role"], event["version"]) == ("challenger", "2")
    assert event["guardrail"] == "treatment_conversion"
    final = latest_config(s, s.model_name)
    assert final.mode is ServingMode.OFF and final.champion_version == "1"
    assert final.actor == "guardrail:treatment_conversion"


def _tally(client, experiment_id: str, model: str) -> None:
    """1,000 outcomes per arm: control converts 30 %, treatment 5 %."""
    store = ExperimentStore(client)
    rng = np.random.default_rng(0)
    for variant, rate, version in ((Variant.CONTROL, 0.30, "1"), (Variant.TREATMENT, 0.05, "2")):
        for i in range(1000):
            entry = LedgerEntry(lead_id=f"{variant.value}-{i}", model_name=model,
                                model_version=version, variant=variant,
                                experiment_id=experiment_id, score=0.5, features={},
                                scored_at=T0)
            store.record(Outcome(lead_id=entry.lead_id, converted=bool(rng.uniform() < rate),
                                 occurred_at=T0), entry)
