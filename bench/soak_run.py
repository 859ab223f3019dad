"""One soak run of ``bench.aa_soak`` on the real stack, and what it counts.

A fresh model name, topics and consumer group per run (Redis flushed): a champion and a
challenger registered in the run's MLflow, the agents and a scorer as subprocesses (the
integration tests' helpers), a canary started with the soak's policy, and ``leadstream
produce --outcomes`` (with ``--treatment-effect`` for the worse and better arms) until the
policy decided and at least ``min_windows`` monitor windows closed, or the run's time cap.
Then the committed topics are read back: the audit trail (actions), ``monitor.guardrails``
(windows, guardrail CRITICALs) and ``monitor.drift`` (drift alarms: a CRITICAL verdict).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from schemas.control import AuditEntry, ModelRole
from schemas.monitor import DriftReport, GuardrailLevel, GuardrailReport, Severity
from streams.kafka.topics import load_registry, setting_field
from streams.settings import Settings
from streams.stack import ensure_topics
from streams.stack.children import settings_env
from tests.integration.agents_support import AgentsProcess, run_cli
from tests.integration.helpers import ScorerProcess, read_topic, registry
from tests.integration.progression_support import audit_entries, audit_trail

DECISIONS = ("auto_promote", "auto_abort", "auto_stop", "rollback", "stop_experiment")


@dataclass
class RunResult:
    arm: str
    run: int
    windows: int  # distinct closed monitor windows seen (any role)
    actions: list[str]
    decision: str | None
    promotion: str | None  # "better" / "not worse" (the always-valid CI's lower bound)
    decision_window: int | None  # challenger windows up to the deciding one
    rollbacks: int
    drift_alarms: int
    criticals: int
    seconds: float
    load: tuple[float, float]
    trail: str
    rates: dict[str, tuple[int, int]]  # variant -> (outcomes, conversions), from the topics


def run_settings(base: Settings, home: Path, **extra: object) -> Settings:
    """The base stack's settings with this run's own topics, group and model name."""
    tag = uuid.uuid4().hex[:8]
    fields: dict[str, object] = {
        f: f"{getattr(base, f)}.soak-{tag}"
        for f in sorted(filter(None, (setting_field(s) for s in load_registry().values())))}
    fields |= {"consumer_group": f"{base.consumer_group}-soak-{tag}",
               "transactional_id": f"{base.transactional_id}-soak-{tag}",
               "home": home, "model_name": f"soak-{tag}",
               "mlflow_tracking_uri": f"sqlite:///{home}/mlflow.db", **extra}
    s = base.model_copy(update=fields)
    ensure_topics(s)
    return s


def _decision(entries: list[AuditEntry]) -> AuditEntry | None:
    return next((e for e in entries if e.action in DECISIONS), None)


def _reports(s: Settings) -> tuple[list[GuardrailReport], list[DriftReport]]:
    guards = [GuardrailReport.model_validate_json(r.value)
              for r in read_topic(s, s.topic_monitor_guardrails, 30)]
    drift = [DriftReport.model_validate_json(r.value)
             for r in read_topic(s, s.topic_monitor_drift, 30)]
    return guards, drift


def _windows(guards: list[GuardrailReport]) -> int:
    return len({g.window_end_ms for g in guards})


def soak_once(s: Settings, arm: str, run: int, challenger, champion, effect: float,
              policy: Path, min_windows: int, cap_s: float, rate: int) -> RunResult:
    started, load0 = time.monotonic(), os.getloadavg()[0]
    reg = registry(s)
    reg.register(champion, None, alias="champion")
    version = reg.register(challenger, None)
    logs = s.home / f"{arm.replace('/', '').replace(chr(39), 'p')}-{run}"
    logs.mkdir(parents=True, exist_ok=True)
    produce = [sys.executable, "-m", "streams.cli", "produce", "-n", "10000000", "--rate",
               str(rate), "--seed", str(100 + run), "--outcomes", "--outcome-delay", "1",
               "--quiet-share", "0.1"]
    if effect:
        produce += ["--treatment-effect", str(effect)]
    with ExitStack() as stack:
        agents = stack.enter_context(AgentsProcess(s, logs / "agents.log"))
        stack.enter_context(ScorerProcess(s, logs / "scorer.log"))
        out = run_cli(s, "experiment", "start", "--mode", "canary", "--challenger", version,
                      "--policy", str(policy), "--reason", f"soak {arm} run {run}")
        if out.exit_code != 0:
            raise RuntimeError(f"experiment start failed: {out.output}\n{agents.tail()}")
        with (logs / "produce.log").open("wb") as plog:
            crm = subprocess.Popen(produce, env=settings_env(s), stdout=plog,
                                   stderr=subprocess.STDOUT)
        try:
            deadline = started + cap_s
            while time.monotonic() < deadline:
                if crm.poll() is not None:
                    raise RuntimeError(f"produce exited {crm.returncode}: see {plog.name}")
                decided = _decision(audit_entries(s)) is not None
                if decided and _windows(_reports(s)[0]) >= min_windows:
                    break
                time.sleep(3.0)  # a poll interval, not a readiness check
        finally:
            crm.terminate()
            crm.wait(30)
    entries = [e for e in audit_entries(s) if e.model_name == s.model_name]
    guards, drift = _reports(s)
    result = _count(arm, run, entries, guards, drift, time.monotonic() - started,
                    (load0, os.getloadavg()[0]))
    result.rates = arm_rates(s)
    return result


def arm_rates(s: Settings) -> dict[str, tuple[int, int]]:
    """Outcomes and conversions per variant, joining what the CRM saw on ``leads.scored``
    with ``leads.outcomes``: the treatment effect as the experiment saw it, independently."""
    variants: dict[str, list[str]] = {}
    for r in read_topic(s, s.topic_scored, 60):
        scored = r.json()
        variants.setdefault(scored["lead_id"], []).append(scored["variant"])
    rates: dict[str, list[int]] = {}
    for r in read_topic(s, s.topic_leads_outcomes, 60):
        outcome = r.json()
        seen = variants.get(outcome["lead_id"], ["unscored"])
        key = seen[0] if len(set(seen)) == 1 else "scored twice, differently"
        counts = rates.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += bool(outcome["converted"])
    return {k: (n, c) for k, (n, c) in sorted(rates.items())}


def _count(arm: str, run: int, entries: list[AuditEntry], guards: list[GuardrailReport],
           drift: list[DriftReport], seconds: float, load: tuple[float, float]) -> RunResult:
    decided = _decision(entries)
    promotion, at = None, None
    if decided is not None:  # a guardrail's rollback carries no evidence: its time, then
        end = ((decided.evidence or {}).get("window_end_ms")
               or int(decided.at.timestamp() * 1000))
        at = len({g.window_end_ms for g in guards
                  if g.role is ModelRole.CHALLENGER and g.window_end_ms <= end})
    if decided is not None and decided.action == "auto_promote":
        lower = (decided.evidence or {}).get("lower")
        promotion = "better" if isinstance(lower, int | float) and lower > 0 else "not worse"
    critical = {(g.role, g.model_version, g.window_end_ms) for g in guards
                if any(x.level is GuardrailLevel.CRITICAL for x in g.guardrails)}
    return RunResult(
        arm=arm, run=run, windows=_windows(guards), actions=[e.action for e in entries],
        decision=None if decided is None else decided.action, promotion=promotion,
        decision_window=at,
        rollbacks=sum(e.action in ("auto_abort", "rollback") for e in entries),
        drift_alarms=len({(d.role, d.window_end_ms) for d in drift
                          if d.verdict is Severity.CRITICAL}),
        criticals=len(critical), seconds=seconds, load=load, trail=audit_trail(entries),
        rates={})
