"""``diagnose``: an :class:`~monitors.evidence.Evidence` snapshot in, ranked findings out.

Pure. Each check looks at one part of the snapshot and yields findings with their numbers;
:func:`diagnose` sorts them (critical first; within one severity the most specific cause
first: see :data:`monitors.findings.PRIORITY`) and recommends the next steps of the
warning and critical findings in that order, or "nothing to do". A feature whose drift is
explained by its missing values or unseen categories is not counted as drifted again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from monitors import diagnosis_checks as pipeline
from monitors.evidence import Evidence
from monitors.findings import Action, Finding, Level, Thresholds

C, W, INFO = Level.CRITICAL, Level.WARNING, Level.INFO


@dataclass(frozen=True)
class Diagnosis:
    model: str
    findings: tuple[Finding, ...]
    """Ranked: the first is the likeliest root cause."""
    actions: tuple[Action, ...]

    def as_dict(self) -> dict[str, object]:
        causes = [f for f in self.findings if f.level is not INFO]
        return {"model": self.model, "findings": [f.as_dict() for f in self.findings],
                "root_causes": [f.kind for f in causes],
                "next_steps": [a.value for a in self.actions]}


def diagnose(ev: Evidence, th: Thresholds | None = None) -> Diagnosis:
    th = th or Thresholds()
    found = [f for check in CHECKS for f in check(ev, th)]
    found.sort(key=lambda f: f.order)
    actions: list[Action] = []
    for f in found:
        if f.level is not INFO and f.action and f.action not in actions:
            actions.append(f.action)
    if not actions:
        actions.append(Action.NOTHING_FOUND if ev.unreadable else Action.NOTHING)
    return Diagnosis(ev.model, tuple(found), tuple(actions))


def processes(ev: Evidence, th: Thresholds) -> Iterator[Finding]:
    for role, action, level in (("scorer", Action.START_SCORER, C),
                                ("agents", Action.START_AGENTS, W)):
        p = ev.process(role)
        if p is not None and p.members == 0:
            yield Finding(role, level, f"no {role} process is running (no consumer group "
                          "member)", {"members": 0, "lag_records": p.lag_records}, action)
        elif p is not None and p.members > 0 and role == "scorer":
            yield Finding(role, INFO, f"{p.members} scorer(s) running", {"members": p.members})
    p = ev.process("scorer")
    if p is not None and p.lag_records is not None and p.members != 0:
        level = W if p.lag_records >= th.lag_warn else INFO
        yield Finding("consumer_lag", level, f"scorers are {p.lag_records} records behind",
                      {"lag_records": p.lag_records}, Action.ADD_SCORERS)


def freshness(ev: Evidence, th: Thresholds) -> Iterator[Finding]:
    limits = {"leads.incoming": th.stale_incoming_s, "leads.outcomes": th.stale_outcomes_s}
    for topic, newest in ev.newest_input_ms.items():
        if newest is None:
            yield Finding("freshness", INFO, f"{topic}: no record", {"topic": topic})
            continue
        age_s = max(0.0, (ev.now_ms - newest) / 1000)
        stale = topic == "leads.incoming" and age_s > limits.get(topic, float("inf"))
        yield Finding("freshness", W if stale else INFO,
                      f"{topic}: newest record {age_s:.0f} s old",
                      {"topic": topic, "age_s": round(age_s, 1)},
                      Action.CHECK_CRM_FEED if stale else None)


def unknown_attributes(ev: Evidence, th: Thresholds) -> Iterator[Finding]:
    if not ev.n_scored:
        return
    missing = [f.name for f in _missing_jumps(ev, th)]
    for name, count in sorted(ev.unknown_attributes.items(), key=lambda kv: -kv[1]):
        share = count / ev.n_scored
        if share < th.unknown_warn:
            continue
        yield Finding("unknown_attributes", C if share >= th.unknown_critical else W,
                      f"attribute {name!r} is not in the feature spec"
                      + (f" while {', '.join(missing)} went missing: a renamed CRM field?"
                         if missing else ""),
                      {"attribute": name, "share": round(share, 4), "count": count,
                       "features_gone_missing": missing}, Action.FIX_CRM_MAPPING)


def missing_values(ev: Evidence, th: Thresholds) -> Iterator[Finding]:
    for f in _missing_jumps(ev, th):
        yield Finding("missing_values", C if f.missing_share >= th.missing_critical else W,
                      f"{f.name} is missing in {f.missing_share:.0%} of leads",
                      {"feature": f.name, "missing_share": round(f.missing_share, 4),
                       "reference_missing_share": f.reference_missing_share},
                      Action.FIX_CRM_MAPPING)


def _missing_jumps(ev: Evidence, th: Thresholds) -> list:
    return [f for f in ev.features
            if f.missing_share - (f.reference_missing_share or 0.0) >= th.missing_jump]


def unseen_categories(ev: Evidence, th: Thresholds) -> Iterator[Finding]:
    for f in ev.features:
        share = f.unseen_share or 0.0
        if share >= th.unseen_warn:
            yield Finding("unseen_categories", C if share >= th.unseen_critical else W,
                          f"{f.name}: {share:.0%} of values never seen in training",
                          {"feature": f.name, "unseen_share": round(share, 4)},
                          Action.FIX_CRM_MAPPING)


def feature_drift(ev: Evidence, th: Thresholds) -> Iterator[Finding]:
    explained = {f.name for f in _missing_jumps(ev, th)}
    explained |= {f.name for f in ev.features if (f.unseen_share or 0.0) >= th.unseen_warn}
    for f in sorted(ev.features, key=lambda f: -f.psi):
        if f.name in explained or f.severity not in ("warn", "critical"):
            continue
        yield Finding("feature_drift", C if f.severity == "critical" else W,
                      f"{f.name} drifted from training (PSI {f.psi:.2f})",
                      {"feature": f.name, "psi": round(f.psi, 4), "verdict": f.severity},
                      Action.RETRAIN)


def prediction_drift(ev: Evidence, th: Thresholds) -> Iterator[Finding]:
    if ev.score_psi is None or ev.score_psi < th.psi_warn:
        return
    inputs = {"missing_values", "unknown_attributes", "unseen_categories", "feature_drift"}
    explained = any(f.kind in inputs and f.level is not INFO
                    for check in INPUT_CHECKS for f in check(ev, th))
    yield Finding("prediction_drift", C if ev.score_psi >= th.psi_critical else W,
                  f"score distribution moved (PSI {ev.score_psi:.2f})"
                  + ("" if explained else " with no input change: the model itself?"),
                  {"score_psi": round(ev.score_psi, 4)},
                  Action.RETRAIN if explained else Action.ROLL_BACK)


INPUT_CHECKS = (unknown_attributes, missing_values, unseen_categories, feature_drift)
CHECKS = (processes, freshness, *INPUT_CHECKS, prediction_drift, pipeline.dead_letters,
          pipeline.sink_failures, pipeline.importance, pipeline.calibration,
          pipeline.guardrails, pipeline.conversion_by_grade, pipeline.unreadable)
