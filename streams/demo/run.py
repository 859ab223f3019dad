"""``leadstream demo``: the whole product in one run on the real local stack.

Stack up → train a champion → start the agents and a scorer → replay CRM leads (some
malformed) and summarise what came out → shift a feature and watch ``monitor.drift`` flag
it → promote a broken version and watch the guardrail roll it back → ``status`` → the
dashboard's address (a child started at the beginning, left running like the stack).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime

from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from schemas.control import ControlAction, ControlRequest
from scoring.faulty import constant_model
from scoring.registry import ModelRegistry
from streams.cli.status import load, render
from streams.control.client import submit
from streams.crm.traffic import mixed, publish, synthetic_events
from streams.demo import dashboard
from streams.demo.watch import OutputWatcher, RecordWatcher
from streams.settings import Settings
from streams.stack import stack_up
from streams.stack.children import LeadstreamProcess
from streams.stack.process import free_port
from streams.training.run import TrainingOutcome, run_training

DEMO_DEFAULTS = {"monitor_window_s": 5.0, "monitor_lateness_s": 1.0, "monitor_idle_s": 3.0,
                 "rollback_cooldown_s": 0.0, "batch_timeout_s": 0.02}
"""Short windows so drift and rollback show within a minute; env vars still win."""
RULE_WIDTH = 100
"""The step rules' widest: on a pipe the console has no width limit."""


def demo_settings(seed: int) -> Settings:
    """Demo defaults, and a registered model of its own per run (``lead-scoring-demo-<seed>``)
    so a second run starts from fresh monitor state and guardrail cooldowns."""
    wanted = {**DEMO_DEFAULTS, "model_name": f"lead-scoring-demo-{seed}"}
    return Settings(**{k: v for k, v in wanted.items()
                       if f"LEADSTREAM_{k.upper()}" not in os.environ})


class Demo:
    def __init__(self, settings: Settings, console: Console, leads: int, rate: float,
                 seed: int):
        self.s, self.console, self.leads, self.rate = settings, console, leads, rate
        self.seed = seed
        self.logs = (settings.home / "logs").resolve()
        self.children: list[LeadstreamProcess] = []

    def check_children(self) -> None:
        """Give up at once (:class:`ChildFailed`) when the scorer or the agents have died."""
        for child in self.children:
            child.check_alive()

    def step(self, title: str) -> None:
        self.console.print(Rule(f"[bold cyan]{title}"), width=min(self.console.width, RULE_WIDTH))

    def run(self) -> None:
        self.step("1. local stack: Kafka (KRaft), Redis, MLflow, Prometheus, Alertmanager")
        report = stack_up(self.s)
        for service in report.services:
            self.console.print(f"  {service.name}: {service.state} {service.address}")
        board = dashboard.start(self.s, self.logs)
        try:
            self.scenario()
            dashboard.wait_answering(self.s, board)
        except BaseException:
            board.__exit__(None, None, None)  # the demo failed: stop what it started
            raise
        self.console.print("\nThe stack keeps running: `leadstream stack down` stops it.")
        self.console.print(f"Dashboard (pid {board.proc.pid}; kill it to stop it):\n"
                           f"  [bold]{dashboard.url(self.s)}[/]")

    def scenario(self) -> None:
        self.step("2. train the champion")
        champion = run_training(self.s, rows=20_000, seed=self.seed, alias="champion")
        m = champion.trained.metrics
        self.console.print(f"  registered {self.s.model_name} v{champion.version} as champion: "
                           f"AUC {m.auc:.3f}, "
                           f"precision@10% {m.precision_at_10pct:.3f}")
        agents_env, score_args = self.metrics_ports()
        with LeadstreamProcess(["agents"], self.s, self.logs / "agents.log",
                               **agents_env) as agents, \
                LeadstreamProcess(["score", *score_args], self.s,
                                  self.logs / "scorer.log") as scorer:
            self.children = [agents, scorer]
            self.console.print(f"  agents pid {agents.proc.pid}, scorer pid {scorer.proc.pid}; "
                               f"logs in {self.logs}")
            scorer.wait_consuming(self.s)
            self.score()
            self.drift()
            self.rollback(champion)
        self.step("6. status")
        render(self.console, self.s.model_name, *load(self.s, self.s.model_name, self.console),
               min_n=self.s.monitor_drift_min_n)
        self.console.print(f"\nThis run's model is {self.s.model_name}: see it again with "
                           f"`leadstream status --model {self.s.model_name}`.")
        self.console.print("The stack keeps running: `leadstream stack down` stops it.")

    def metrics_ports(self) -> tuple[dict[str, int], list[str]]:
        """Free metrics ports for the agents and the scorer when the stack's Prometheus
        runs (they announce themselves to it)."""
        if not self.s.stack_alerting:
            return {}, []
        return {"monitor_metrics_port": free_port()}, ["--metrics-port", str(free_port())]

    def score(self) -> None:
        self.step(f"3. replay {self.leads:,} CRM leads (5 % malformed) at {self.rate:,.0f}/s")
        watcher = OutputWatcher(self.s)
        records = mixed(synthetic_events(self.leads, self.seed, {}), self.leads, 0.05,
                        self.s.max_payload_bytes, self.seed)
        started = time.monotonic()
        publish(self.s, records, self.leads, self.rate)
        out = watcher.until(lambda o: o.total >= self.leads, 120, "every lead scored or rejected",
                            tick=self.check_children)
        watcher.close()
        table = Table("outcome", "count", title=f"{out.total:,} events in, "
                      f"{out.total:,} out in {time.monotonic() - started:.1f}s")
        for grade in self.s.grade_scale.names:
            table.add_row(f"scored {grade}", f"{out.grades()[grade]:,}")
        for reason, n in sorted(out.reasons().items()):
            table.add_row(f"dead letter: {reason}", f"{n:,}")
        self.console.print(table)
        self.console.print(f"  latency broker→scored p50 {out.latency_ms(0.5):.1f} ms, "
                           f"p99 {out.latency_ms(0.99):.1f} ms")

    def drift(self) -> None:
        self.step("4. drift: engagement_score moves up by 1 standard deviation")
        drift = RecordWatcher(self.s, self.s.topic_monitor_drift)
        flow = Background(self.s, self.seed + 1, {"engagement_score": 1.0}, self.rate / 2)
        with flow:
            report = drift.first(
                lambda r: r.get("verdict") in {"warn", "critical"}, 120, "a drift verdict",
                tick=lambda: (flow.check(), self.check_children()))
        drift.close()
        table = Table("feature", "PSI", "p (Holm)", "severity", title="monitor.drift")
        for f in sorted(report["features"], key=lambda f: -f["psi"])[:5]:
            table.add_row(f["name"], f"{f['psi']:.3f}", f"{f['p_holm']:.2g}", f["severity"])
        self.console.print(table)

    def rollback(self, champion: TrainingOutcome) -> None:
        self.step("5. promote a broken version (constant score); the guardrail rolls it back")
        registry = ModelRegistry(self.s.tracking_uri, self.s.model_name, self.s.model_cache_dir,
                                 self.s.artifact_root, experiment_name=self.s.experiment_name)
        profile = registry.load_version(champion.version).profile
        bad = registry.register(constant_model(champion.trained, 0.5), profile, None,
                                {"faulty": "constant score", "demo": "true"})
        rollbacks = RecordWatcher(self.s, self.s.topic_models_rollback)
        scored = OutputWatcher(self.s)
        flow = Background(self.s, self.seed + 2, {}, self.rate / 2)
        with flow:
            promoted = time.time()
            submit(self.s, ControlRequest(
                request_id=uuid.uuid4().hex, model_name=self.s.model_name,
                action=ControlAction.PROMOTE_VERSION, version=bad, actor="demo",
                reason="drill: a broken model export", requested_at=datetime.now(UTC)))
            self.console.print(f"  promoted v{bad} at {_clock(promoted)}")
            event = rollbacks.first(lambda r: r.get("version") == bad, 180,
                                    "a rollback of the broken version",
                                    tick=lambda: (flow.check(), self.check_children()))
            back = scored.until(lambda o: _served_again(o, bad, champion.version), 60,
                                f"v{champion.version} serving again")
        rollbacks.close()
        scored.close()
        window_end = datetime.fromisoformat(event["window_end"]).timestamp()
        emitted = datetime.fromisoformat(event["emitted_at"]).timestamp()
        restored = datetime.fromisoformat(back.scored[-1]["scored_at"]).timestamp()
        self.console.print(
            f"  guardrail {event['guardrail']} breached in the window ending "
            f"{_clock(window_end)}\n  rollback emitted {_clock(emitted)}\n"
            f"  v{champion.version} serving again {_clock(restored)}: "
            f"[bold]{restored - window_end:.1f}s after the window closed[/]")


def _served_again(out, bad: str, good: str) -> bool:
    versions = [r["model_version"] for r in out.scored]
    return bad in versions and versions[-1] == good and versions.index(bad) < len(versions) - 1


def _clock(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S.%f")[:-3]


class Background:
    """Paced synthetic traffic in a thread while the demo waits for something."""

    def __init__(self, settings: Settings, seed: int, shift: dict[str, float], rate: float):
        self._stop = threading.Event()
        self._error: BaseException | None = None
        events = synthetic_events(10_000_000, seed, shift)

        def records():
            for key, value in mixed(events, 10_000_000, 0.0, settings.max_payload_bytes, seed):
                if self._stop.is_set():
                    return
                yield key, value

        def run() -> None:
            try:
                publish(settings, records(), 10_000_000, rate, show_progress=False)
            except BaseException as exc:  # re-raised in the demo's thread by check()
                self._error = exc

        self._thread = threading.Thread(target=run, daemon=True, name="demo-traffic")

    def check(self) -> None:
        if self._error is not None:
            raise self._error

    def __enter__(self) -> Background:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)
        self.check()
