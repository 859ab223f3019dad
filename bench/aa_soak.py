"""Soaks of automatic canary progression on the real stack (issue 18, deliverable 6).

``make soak`` = ``.venv/bin/python -m bench.aa_soak``. Starts its own Kafka (KRaft) and Redis
(ports ``--kafka-port``/``--redis-port``) in a temp home, and runs ``SOAK_RUNS`` canaries
(default 2) per arm, each under the policy below with 2-second monitor windows, with
outcomes (``leadstream produce --outcomes``), until the policy decided and at least
``--min-windows`` windows closed, or ``--cap-minutes`` passed (:mod:`bench.soak_run`):

- ``A/A``: the challenger is the champion's model registered again;
- ``A/A'``: a retrain on the same leads with another seed;
- ``worse``: the champion's model again, its arm converting -20 % relative
  (``produce --treatment-effect -0.2``: in the simulator a lead converts with its true
  probability whichever model scores it, so the arm must change conversion itself);
- ``better``: the same at +20 %.

Targets: A/A and A/A' — no rollback, no drift alarm, no guardrail CRITICAL, a promotion
only as "not worse"; worse — rolled back every run; better — promoted every run. Prints
one table per arm and the audit trails, writes ``bench/results/soak-<time>.json``
(git-ignored), stops the stack and deletes the home — also on error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.soak_run import RunResult, run_settings, soak_once
from streams.settings import Settings
from streams.stack import stack_down, stack_up
from tests.integration.progression_support import train_small

POLICY = """
[canary]
steps = [5, 25, 50]
min_windows = 10
min_samples = 20
max_windows = 75

[guardrails]
healthy = ["model_error_rate", "score_collapse", "treatment_conversion", "model_auc"]

[verdict]
alpha = 0.05
margin = 0.02
min_outcomes_per_arm = 300
"""
EFFECT = 0.2
ARMS = ("A/A", "A/A'", "worse", "better")
TARGET = {"A/A": "no rollback, drift alarm or CRITICAL; promoted only as not worse",
          "A/A'": "no rollback, drift alarm or CRITICAL; promoted only as not worse",
          "worse": "rolled back every run", "better": "promoted every run"}


def _passed(arm: str, r: RunResult) -> bool:
    if arm in ("A/A", "A/A'"):
        return (r.rollbacks == r.drift_alarms == r.criticals == 0
                and r.promotion in (None, "not worse"))
    return r.rollbacks > 0 if arm == "worse" else r.decision == "auto_promote"


def table(arm: str, results: list[RunResult]) -> str:
    rows = ["| run | windows | actions taken | decision (window) | rollbacks | drift alarms "
            "| CRITICALs | minutes | load start → end | target met |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        kind = f" ({r.promotion})" if r.promotion else ""
        at = "-" if r.decision is None else f"{r.decision}{kind} (w{r.decision_window})"
        rows.append(f"| {r.run} | {r.windows} | {', '.join(r.actions)} | {at} | {r.rollbacks} "
                    f"| {r.drift_alarms} | {r.criticals} | {r.seconds / 60:.1f} "
                    f"| {r.load[0]:.1f} → {r.load[1]:.1f} | {'yes' if _passed(arm, r) else 'NO'} |")
    at = [r.decision_window for r in results if r.decision_window is not None]
    summary = (f"windows to the decision: median {statistics.median(at):g}, range "
               f"{min(at)}-{max(at)}" if at else "no decision in any run")
    return (f"### {arm} — target: {TARGET[arm]}\n\n" + "\n".join(rows) + f"\n\n{summary}; "
            f"target met in {sum(_passed(arm, r) for r in results)}/{len(results)} runs\n")


def main() -> None:
    a = _args()
    home = Path(tempfile.mkdtemp(prefix="leadstream-soak-"))
    base = Settings(_env_file=None, home=home, bootstrap_servers=f"127.0.0.1:{a.kafka_port}",
                    redis_url=f"redis://127.0.0.1:{a.redis_port}/0", kafka_port=a.kafka_port,
                    redis_port=a.redis_port, mlflow_tracking_uri=f"sqlite:///{home}/mlflow.db",
                    kafka_heap="512m", stack_alerting=False)
    policy = home / "policy.toml"
    began = time.monotonic()
    results: dict[str, list[RunResult]] = {arm: [] for arm in a.arms}
    try:
        print(f"starting Kafka :{a.kafka_port} and Redis :{a.redis_port} in {home}", flush=True)
        stack_up(base)
        policy.write_text(POLICY)
        champion = train_small(3000, 7)
        challengers = {"A/A": champion, "A/A'": train_small(3000, 7, model_seed=8),
                       "worse": champion, "better": champion}
        effects = {"A/A": 0.0, "A/A'": 0.0, "worse": -EFFECT, "better": EFFECT}
        for run in range(1, a.runs + 1):
            for arm in a.arms:
                s = run_settings(base, home / f"run-{run}-{ARMS.index(arm)}",
                                 **_windows_of_seconds())
                _flush(s)
                r = soak_once(s, arm, run, challengers[arm], champion, effects[arm], policy,
                              a.min_windows, a.cap_minutes * 60, a.rate)
                results[arm].append(r)
                print(f"{arm} run {run}: {r.decision} after {r.seconds:.0f} s, {r.windows} "
                      f"windows; converted per variant {_rates(r)}\n{r.trail}", flush=True)
    finally:
        stack_down(base)
        shutil.rmtree(home, ignore_errors=True)
    print(f"\npolicy:{POLICY}")
    for arm, rs in results.items():
        print(table(arm, rs))
    wall = time.monotonic() - began
    print(f"wall time {wall / 60:.1f} min, {a.runs} run(s) per arm")
    out = Path(__file__).parent / "results" / f"soak-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"wall_s": wall, "policy": POLICY, "results": {
        arm: [dataclasses.asdict(r) for r in rs] for arm, rs in results.items()}}, indent=1))


def _rates(r: RunResult) -> str:
    return ", ".join(f"{v} {c}/{n} = {c / n:.3f}" for v, (n, c) in r.rates.items() if n)


def _windows_of_seconds() -> dict[str, object]:
    """The integration test's short windows (2 s) and prompt agents."""
    return dict(monitor_window_s=2.0, monitor_lateness_s=0.5, monitor_idle_s=1.0,
                monitor_tick_s=0.2, control_wait_s=60.0, outcome_retry_s=0.5,
                report_interval_s=2.0, monitor_min_labels=100)


def _flush(s: Settings) -> None:
    import redis

    redis.Redis.from_url(s.redis_url).flushdb()


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=int(os.environ.get("SOAK_RUNS", "2")))
    p.add_argument("--arms", nargs="+", choices=ARMS, default=list(ARMS))
    p.add_argument("--min-windows", type=int, default=30)
    p.add_argument("--cap-minutes", type=float, default=4.0)
    p.add_argument("--rate", type=int, default=300, help="leads/s the CRM sends")
    p.add_argument("--kafka-port", type=int, default=17092)
    p.add_argument("--redis-port", type=int, default=17379)
    return p.parse_args()


if __name__ == "__main__":
    main()
