"""Guardrail states as alerts: what is posted for each report, checked against a model of
the states computed from the reports alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given

from schemas.monitor import GuardrailLevel
from streams.alerting.alert import AlertSeverity
from streams.alerting.guardrails import GuardrailAlerts
from tests.strategies.guardrails import build_report, report_sequences

H, W, C = GuardrailLevel.HEALTHY, GuardrailLevel.WARNING, GuardrailLevel.CRITICAL
T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOLD, STALE = timedelta(minutes=4), timedelta(minutes=3)


def _key(alert) -> tuple:
    return (alert.model, alert.extra["role"], alert.version, alert.extra["guardrail"])


@given(report_sequences())
def test_firing_alerts_are_exactly_the_guardrails_not_healthy(reports) -> None:
    book = GuardrailAlerts(HOLD, STALE)
    expected: dict[tuple, GuardrailLevel] = {}
    for r in reports:
        now = r.emitted_at
        posted = book.on_report(r, now)
        firing_now = {(r.model_name, "champion", r.model_version, g.name): g.level
                      for g in r.guardrails}
        was = dict(expected)
        for key, level in firing_now.items():
            expected.pop(key, None)
            if level != H:
                expected[key] = level
        # what is firing afterwards: every non-healthy guardrail ever reported, last level
        assert {_key(a): a.severity.value.upper() for a in book.firing} == {
            k: v.value for k, v in expected.items()}
        # a guardrail that left a firing level has exactly that alert resolved (ends now)
        resolved = {(_key(a), a.severity.value.upper()) for a in posted if a.ends_at == now}
        assert resolved == {(k, was[k].value) for k, v in firing_now.items()
                            if k in was and v != was[k]}
        assert all(a.ends_at in (now, now + HOLD) for a in posted)
        # each firing guardrail of this report is posted (re-posted while it fires)
        assert {_key(a) for a in posted if a.ends_at > now} == {
            k for k, v in firing_now.items() if v != H}


def test_a_changed_severity_resolves_the_old_alert_and_keeps_the_start() -> None:
    book = GuardrailAlerts(HOLD, STALE)
    book.on_report(build_report("m", "1", {"g": W}, {}, T0), T0)
    later = T0 + timedelta(minutes=1)
    posted = book.on_report(build_report("m", "1", {"g": C}, {"g": W}, later), later)
    assert [(a.severity, a.ends_at) for a in posted] == [
        (AlertSeverity.WARNING, later), (AlertSeverity.CRITICAL, later + HOLD)]
    again = T0 + timedelta(minutes=2)
    [still] = book.on_report(build_report("m", "1", {"g": C}, {"g": C}, again), again)
    assert still.starts_at == later and still.ends_at == again + HOLD


def test_a_recovery_this_agent_never_saw_fire_resolves_both_severities() -> None:
    """An agent restarted while a guardrail fired still ends it when it recovers."""
    book = GuardrailAlerts(HOLD, STALE)
    posted = book.on_report(build_report("m", "1", {"g": H}, {"g": C}, T0), T0)
    assert sorted(a.severity.value for a in posted) == ["critical", "warning"]
    assert all(a.ends_at == T0 for a in posted)
    assert book.on_report(build_report("m", "1", {"g": H}, {"g": H}, T0), T0) == []


def test_resend_refreshes_while_the_version_reports_then_lets_it_end() -> None:
    book = GuardrailAlerts(HOLD, STALE)
    book.on_report(build_report("m", "1", {"g": C}, {}, T0), T0)
    soon = T0 + timedelta(minutes=1)
    [again] = book.due(soon)
    assert again.ends_at == soon + HOLD and again.starts_at == T0
    assert book.due(T0 + STALE + timedelta(seconds=1)) == []  # no report since: let it end
    assert book.firing == []
