"""The pipeline-side checks of a diagnosis: dead letters, the CRM write-back, model quality
under labels, feature-importance shift, guardrails and controller alerts, conversion by
grade, unreadable sources.

Pure, like :mod:`monitors.diagnosis`, which runs them after the input-side checks.
"""

from __future__ import annotations

from collections.abc import Iterator

from monitors.evidence import Evidence
from monitors.findings import Action, Finding, Level, Thresholds
from monitors.importance import importance_shift

C, W, INFO = Level.CRITICAL, Level.WARNING, Level.INFO


def dead_letters(ev: Evidence, th: Thresholds) -> Iterator[Finding]:
    total = ev.n_scored + ev.n_rejected
    reasons = dict(sorted((ev.deadletter_reasons or {}).items(), key=lambda kv: -kv[1]))
    if not total:
        return
    rate = ev.n_rejected / total
    level = C if rate >= th.deadletter_critical else W if rate >= th.deadletter_warn else INFO
    yield Finding("dead_letters", level, f"{rate:.1%} of lead events dead-lettered",
                  {"rate": round(rate, 4), "n_rejected": ev.n_rejected, "reasons": reasons},
                  Action.FIX_CRM_MAPPING if level is not INFO else None)


def sink_failures(ev: Evidence, th: Thresholds) -> Iterator[Finding]:
    if not ev.sink_failures:
        return
    refused = sum(n for k, n in ev.sink_failures.items() if k.startswith("crm_"))
    level = C if refused else W
    yield Finding("sink_failures", level,
                  f"the CRM refused {refused} score write-back(s)" if refused
                  else "scores on sink.deadletter", dict(ev.sink_failures),
                  Action.CHECK_CRM_ENDPOINT)


def calibration(ev: Evidence, th: Thresholds) -> Iterator[Finding]:
    labelled = sum(n for n, _, _ in ev.calibration_deciles)
    if labelled >= th.min_labels:
        gap = sum(n * abs(score - rate) for n, score, rate in ev.calibration_deciles) / labelled
        error, source = gap, "by score decile"
    elif ev.calibration_error is not None:
        error, source = ev.calibration_error, "in the newest window"
    elif ev.window_end_ms is not None or labelled:
        yield Finding("calibration", INFO, f"{max(labelled, ev.n_labels)} labels: too few to "
                      "judge calibration", {"n_labels": max(labelled, ev.n_labels)})
        return
    else:
        return
    bad = error >= th.calibration_warn
    yield Finding("calibration", W if bad else INFO,
                  f"calibration error {error:.3f} {source}",
                  {"calibration_error": round(error, 4), "n_labels": labelled or ev.n_labels,
                   "auc": ev.auc, "deciles": [[round(s, 3), round(r, 3)] for _, s, r
                                              in ev.calibration_deciles]},
                  Action.RETRAIN if bad else None)


def importance(ev: Evidence, th: Thresholds) -> Iterator[Finding]:
    """Mean |contribution| shares now (from the reasons) against training."""
    if ev.importance_now is None or not ev.importance_reference:
        return
    shift = importance_shift(ev.importance_reference, ev.importance_now, ev.n_explained,
                             th.min_explained)
    if shift is None:
        yield Finding("importance_shift", INFO, f"{ev.n_explained} leads with reasons: too "
                      "few to compare feature importance with training",
                      {"n_leads": ev.n_explained})
        return
    shifted = shift.distance >= th.importance_warn or (
        shift.top_changed and shift.distance >= th.importance_warn / 2)
    top = (f"top feature {shift.reference_top} → {shift.current_top}" if shift.top_changed
           else f"top feature still {shift.current_top}")
    yield Finding("importance_shift", W if shifted else INFO,
                  f"feature importance {'shifted' if shifted else 'as at training'}: "
                  f"{top}, share distance {shift.distance:.2f}",
                  {"distance": round(shift.distance, 4), "top_then": shift.reference_top,
                   "top_now": shift.current_top, "n_leads": shift.n_leads,
                   "movers": {f: f"{then:.0%} → {now:.0%}" for f, then, now in shift.movers()},
                   "shares": [[f, round(r, 4), round(c, 4), rr, cr] for f, r, c, rr, cr in zip(
                       shift.features, shift.reference_share, shift.current_share,
                       shift.reference_rank, shift.current_rank, strict=True)]},
                  Action.RETRAIN if shifted else None)


def guardrails(ev: Evidence, th: Thresholds) -> Iterator[Finding]:
    if ev.window_end_ms is None:
        yield Finding("guardrails", INFO, "no closed monitor window yet", {})
        return
    yield Finding("guardrails", INFO, f"guardrails {ev.guardrail_state or 'unknown'}"
                  + (f" ({', '.join(ev.breached)})" if ev.breached else ""),
                  {"state": ev.guardrail_state, "breached": list(ev.breached),
                   "n_scored": ev.n_scored, "window_end_ms": ev.window_end_ms})
    if ev.alerts:
        yield Finding("alerts", INFO, "controller alerts: " + ", ".join(
            f"{k} x{n}" for k, n in sorted(ev.alerts.items())), dict(ev.alerts))


def conversion_by_grade(ev: Evidence, th: Thresholds) -> Iterator[Finding]:
    if ev.conversion_by_grade:
        yield Finding("conversion_by_grade", INFO, "conversion " + ", ".join(
            f"{g} {c}/{n}" for g, (c, n) in sorted(ev.conversion_by_grade.items())),
            {g: {"converted": c, "labelled": n} for g, (c, n) in ev.conversion_by_grade.items()})


def unreadable(ev: Evidence, th: Thresholds) -> Iterator[Finding]:
    for source in ev.unreadable:
        yield Finding("unreadable", INFO, f"not read: {source}", {"source": source})
