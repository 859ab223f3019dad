"""Guardrail states as alerts: one alert per model, role, version and guardrail while it is
WARNING or CRITICAL, resolved when it is HEALTHY again.

:class:`GuardrailAlerts` turns each ``monitor.guardrails`` report into what to post: the
firing ones again (``endsAt`` moved on), a changed severity as the old alert resolved and the
new one firing, a recovered guardrail as its alert resolved. :meth:`GuardrailAlerts.due`
gives the firing alerts to post again between two reports, as Alertmanager expects (it
resolves an alert not refreshed before its ``endsAt``), while their version still reports
windows: a version that stopped serving stops being refreshed and its alerts end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from schemas.monitor import GuardrailLevel, GuardrailReport, GuardrailStatus
from streams.alerting.alert import Alert, AlertSeverity

Key = tuple[str, str, str, str]
"""model, role, version, guardrail."""
_SEVERITY = {GuardrailLevel.WARNING: AlertSeverity.WARNING,
             GuardrailLevel.CRITICAL: AlertSeverity.CRITICAL}


@dataclass
class _Firing:
    alert: Alert
    last_report: datetime


class GuardrailAlerts:
    def __init__(self, hold: timedelta, stale: timedelta):
        self.hold = hold
        """How far ahead each post sets ``endsAt``."""
        self.stale = stale
        """A version without a report for this long is no longer refreshed."""
        self._firing: dict[Key, _Firing] = {}

    @property
    def firing(self) -> list[Alert]:
        return [f.alert for f in self._firing.values()]

    def on_report(self, report: GuardrailReport, now: datetime) -> list[Alert]:
        """What to post for one report (in order: resolutions first)."""
        out: list[Alert] = []
        recovered = {t.guardrail for t in report.transitions
                     if t.to_level is GuardrailLevel.HEALTHY}
        for status in report.guardrails:
            key = (report.model_name, report.role.value, report.model_version, status.name)
            held = self._firing.get(key)
            severity = _SEVERITY.get(status.level)
            if severity is None:
                if held is not None:
                    out.append(self._firing.pop(key).alert.until(now))
                elif status.name in recovered:  # fired before this agent started
                    out.extend(_alert(report, status, s, now, now) for s in _SEVERITY.values())
                continue
            if held is not None and held.alert.severity is not severity:
                out.append(self._firing.pop(key).alert.until(now))
                held = None
            starts = held.alert.starts_at if held else now
            alert = _alert(report, status, severity, starts, now + self.hold)
            self._firing[key] = _Firing(alert, now)
            out.append(alert)
        return out

    def due(self, now: datetime) -> list[Alert]:
        """The firing alerts to post again now; stale ones are dropped (they end at their
        last ``endsAt``)."""
        out = []
        for key, held in list(self._firing.items()):
            if now - held.last_report > self.stale:
                del self._firing[key]
                continue
            held.alert = held.alert.until(now + self.hold)
            out.append(held.alert)
        return out


def _alert(report: GuardrailReport, status: GuardrailStatus, severity: AlertSeverity,
           starts: datetime, ends: datetime) -> Alert:
    value = "n/a" if status.value is None else f"{status.value:g}"
    line = status.warn if severity is AlertSeverity.WARNING else status.critical
    return Alert(
        "LeadstreamGuardrail", report.model_name, report.model_version, severity, "guardrail",
        starts, ends, {"role": report.role.value, "guardrail": status.name},
        f"{report.model_name} v{report.model_version} ({report.role.value}): guardrail "
        f"{status.name} is {status.level.value}",
        f"{status.metric} = {value} against the {severity.value} line {line:g} "
        f"({status.breach_streak} window(s) in a row); action: {status.action}.")
