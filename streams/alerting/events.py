"""leadstream's one-off events as alerts: what each record on an event topic means to ops.

| topic | alertname | kind | severity |
|---|---|---|---|
| ``models.rollback`` | LeadstreamRollback | rollback | critical |
| ``models.rollback`` (stop) | LeadstreamExperimentInvalid | experiment_invalid | critical |
| ``models.alerts`` | LeadstreamControlRefused | control_refused | critical or warning (1) |
| ``models.alerts`` (kind ``srm``) | LeadstreamExperimentStopped | experiment_stopped | critical |
| ``models.alerts`` (kind ``auto_*``) | LeadstreamCanaryProgress | canary_<action> | (2) |
| ``models.retrain`` | LeadstreamRetrainTriggered | retrain | info |
| ``sink.deadletter`` | LeadstreamSinkFailure | sink_failure | warning |
| ``privacy.requests.deadletter`` | LeadstreamErasureRefused | erasure_refused | warning |

(1) critical when a rollback was refused or a record was forged (:data:`CRITICAL_REFUSALS`).
(2) a canary's automatic action: info for advance and promote, warning for a stop
(inconclusive, control kept), critical for an abort (:data:`PROGRESS_SEVERITY`).

Each fires from the event's own time for ``ttl`` (Alertmanager then resolves it). Guardrail
states are not one-off: :mod:`streams.alerting.guardrails`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.alerts import ControlAlert
from schemas.control import GuardrailDemand, RollbackEvent
from schemas.deadletters import RecordDeadLetter
from schemas.privacy import ERASURE_KEY
from schemas.retrain import RetrainTrigger
from schemas.sink import SinkDeadLetter
from streams.alerting.alert import NO_VERSION, Alert, AlertSeverity

CRITICAL_REFUSALS = frozenset({"nothing_to_roll_back", "cooldown", "alias_sync_failed",
                               "signature_refused", "forged_config"})
"""Refusals that leave a breached model serving or point at a forged record: page."""
PROGRESS_SEVERITY = {"auto_advance": AlertSeverity.INFO, "auto_promote": AlertSeverity.INFO,
                     "auto_stop": AlertSeverity.WARNING, "auto_abort": AlertSeverity.CRITICAL}


LATEST = datetime.max.replace(tzinfo=UTC)


def span(at: datetime, ttl: timedelta) -> tuple[datetime, datetime]:
    """An event's alert starts at the event's own time, in UTC (without offset: UTC), and
    ends ``ttl`` later; a time at the ends of what a datetime holds (year 1 with an offset
    east of UTC, 9999 near its end: a hostile or broken producer) is clamped, not raised."""
    try:
        start = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    except (OverflowError, ValueError):
        start = datetime.min.replace(tzinfo=UTC) if at.year == 1 else LATEST
    return start, (start + ttl if start <= LATEST - ttl else LATEST)


def rollback_alert(event: RollbackEvent, ttl: timedelta) -> Alert:
    evidence = ", ".join(f"{k}={v:g}" for k, v in sorted(event.evidence.items()))
    if event.demand is GuardrailDemand.STOP_INVALID:
        return Alert("LeadstreamExperimentInvalid", event.model_name, event.version,
                     AlertSeverity.CRITICAL, "experiment_invalid", *span(event.emitted_at, ttl),
                     {"role": event.role.value, "guardrail": event.guardrail},
                     f"{event.model_name} v{event.version}: the experiment's split is broken "
                     "(sample-ratio mismatch), stop demanded, no rollback",
                     f"Evidence: {evidence or 'none'}. Check assignment and logging before "
                     "reading its lift.")
    return Alert("LeadstreamRollback", event.model_name, event.version, AlertSeverity.CRITICAL,
                 "rollback", *span(event.emitted_at, ttl),
                 {"role": event.role.value, "guardrail": event.guardrail},
                 f"{event.model_name} v{event.version} ({event.role.value}): guardrail "
                 f"{event.guardrail} demanded a rollback",
                 f"Evidence: {evidence or 'none'}. The controller rolls back unless "
                 "models.alerts says it refused.")


def refusal_alert(alert: ControlAlert, ttl: timedelta) -> Alert:
    if alert.kind in PROGRESS_SEVERITY:
        action = alert.kind.removeprefix("auto_")
        return Alert("LeadstreamCanaryProgress", alert.model_name, NO_VERSION,
                     PROGRESS_SEVERITY[alert.kind], f"canary_{action}", *span(alert.at, ttl),
                     {"reason": alert.kind, "source": alert.source},
                     f"{alert.model_name}: the canary's policy decided {action}",
                     alert.message)
    if alert.kind == "srm":
        return Alert("LeadstreamExperimentStopped", alert.model_name, NO_VERSION,
                     AlertSeverity.CRITICAL, "experiment_stopped", *span(alert.at, ttl),
                     {"reason": alert.kind, "source": alert.source},
                     f"{alert.model_name}: experiment stopped for a sample-ratio mismatch",
                     alert.message)
    severity = (AlertSeverity.CRITICAL if alert.kind in CRITICAL_REFUSALS
                else AlertSeverity.WARNING)
    return Alert("LeadstreamControlRefused", alert.model_name, NO_VERSION, severity,
                 "control_refused", *span(alert.at, ttl),
                 {"reason": alert.kind, "source": alert.source},
                 f"{alert.model_name}: the controller refused a change ({alert.kind})",
                 alert.message)


def retrain_alert(trigger: RetrainTrigger, ttl: timedelta) -> Alert:
    reasons = ", ".join(r.value for r in trigger.reasons)
    return Alert("LeadstreamRetrainTriggered", trigger.model_name, trigger.model_version,
                 AlertSeverity.INFO, "retrain", *span(trigger.emitted_at, ttl),
                 {}, f"{trigger.model_name} v{trigger.model_version}: retrain triggered "
                 f"({reasons})", "`leadstream retrain` trains and validates a challenger.")


def sink_failure_alert(letter: SinkDeadLetter, model: str, ttl: timedelta) -> Alert:
    status = f" (HTTP {letter.status_code})" if letter.status_code is not None else ""
    return Alert("LeadstreamSinkFailure", model, letter.model_version or NO_VERSION,
                 AlertSeverity.WARNING, "sink_failure", *span(letter.failed_at, ttl),
                 {"reason": letter.reason.value},
                 f"The CRM refused scores for good: {letter.reason.value}{status}",
                 "Refused scores are on sink.deadletter with the CRM's answer.")


def erasure_refused_alert(letter: RecordDeadLetter, ttl: timedelta) -> Alert:
    return Alert("LeadstreamErasureRefused", ERASURE_KEY.decode(), NO_VERSION,
                 AlertSeverity.WARNING, "erasure_refused", *span(letter.rejected_at, ttl),
                 {"reason": letter.reason.value},
                 f"An erasure request was refused ({letter.reason.value})",
                 "The lead was not erased: see privacy.requests.deadletter and ask again "
                 "with `leadstream forget`.")


def is_current(alert: Alert, now: datetime | None = None) -> bool:
    """False for an event whose alert would already have ended (history being read)."""
    return alert.ends_at > (now or datetime.now(UTC))
