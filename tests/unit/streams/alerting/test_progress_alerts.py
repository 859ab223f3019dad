"""A canary's automatic actions as Alertmanager alerts, and the removed auto-promote switch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from schemas.alerts import ControlAlert
from streams.alerting.alert import AlertSeverity
from streams.alerting.events import refusal_alert
from streams.settings import Settings

NOW = datetime(2026, 1, 5, tzinfo=UTC)


@pytest.mark.parametrize(("kind", "severity"), [
    ("auto_advance", AlertSeverity.INFO), ("auto_promote", AlertSeverity.INFO),
    ("auto_stop", AlertSeverity.WARNING), ("auto_abort", AlertSeverity.CRITICAL)])
def test_each_action_is_its_own_alert(kind: str, severity: AlertSeverity) -> None:
    alert = refusal_alert(ControlAlert(model_name="m", kind=kind, message="why",
                                       source="progression", actor="auto-progression",
                                       at=NOW), timedelta(hours=1))
    assert alert.name == "LeadstreamCanaryProgress" and alert.severity is severity
    assert alert.kind == f"canary_{kind.removeprefix('auto_')}"
    assert alert.ends_at == NOW + timedelta(hours=1)


def test_auto_promote_is_refused_with_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSTREAM_AUTO_PROMOTE", "true")
    with pytest.raises(ValidationError, match="--policy"):
        Settings()
    monkeypatch.setenv("LEADSTREAM_AUTO_PROMOTE", "false")
    assert not hasattr(Settings(), "auto_promote")  # off: nothing to refuse, nothing kept
