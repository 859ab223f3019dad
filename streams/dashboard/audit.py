"""The models page (audit trail: every serving change, rollbacks and why, retrain
triggers) and the alerts page: where each alert went (Alertmanager's state and receivers,
:mod:`streams.dashboard.deliveries`), then controller alerts and guardrail transitions,
newest first, firing or resolved."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.dashboard.charts import fmt, table
from streams.dashboard.history import Snapshot


def _version(config: dict | None) -> str:
    if not config:
        return "—"
    challenger = config.get("challenger_version")
    return f"v{config['champion_version']}" + (
        f" + v{challenger} ({config.get('mode')} {config.get('treatment_share', 0):.0%})"
        if challenger else "")


def models(snap: Snapshot, model: str) -> dict:
    audit = snap.lists["audit"][::-1]
    rollbacks = snap.lists["rollbacks"][::-1]
    return {"title": f"Models — {model}", "charts": [], "tables": [
        table("audit", "Audit trail (models.audit, newest first)",
              ["seq", "at", "action", "by", "from", "to", "why"],
              [[a["sequence"], str(a["at"])[:19], a["action"], a["actor"],
                _version(a.get("before")), _version(a["after"]), a.get("reason", "")]
               for a in audit]),
        table("rollback-demands", "Rollback demands from guardrails (models.rollback)",
              ["at", "role", "version", "guardrail", "evidence"],
              [[str(r["emitted_at"])[:19], r["role"], r["version"], r["guardrail"],
                ", ".join(f"{k} {v:.4g}" for k, v in r.get("evidence", {}).items())]
               for r in rollbacks]),
        table("retrain", "Retrain triggers (models.retrain)",
              ["at", "version", "reasons", "evidence"],
              [[str(r["emitted_at"])[:19], r["model_version"], ", ".join(r["reasons"]),
                ", ".join(f"{k} {v:.4g}" for k, v in r.get("evidence", {}).items())]
               for r in snap.lists["retrain"][::-1]]),
    ]}


def alerts(snap: Snapshot, model: str) -> dict:
    """Controller alerts are one-off refusals (state: fired). A guardrail transition away
    from HEALTHY fires; its return to HEALTHY resolves it."""
    rows = [[a["_ms"], str(a["at"] or _iso(a["_ms"]))[:19], a.get("source", "controller"),
             a["kind"], "fired", a["message"], "models.alerts" if a["at"] else "dashboard"]
            for a in snap.lists["alerts"]]
    for t in snap.lists["transitions"]:
        firing = t["to_level"] != "HEALTHY"
        rows.append([t["_ms"], str(t["emitted_at"])[:19],
                     f"{t['role']} v{t['model_version']}", t["guardrail"],
                     "firing" if firing else "resolved",
                     f"{t['from_level']} → {t['to_level']} (value {fmt(t['value'], 4)})",
                     "monitor.guardrails"])
    rows.sort(key=lambda r: r[0], reverse=True)
    return {"title": f"Alerts — {model}", "charts": [], "tables": [
        delivered_table((snap.ops or {}).get("alertmanager"), model),
        table("alerts", "Alerts, newest first",
              ["at", "source", "kind", "state", "what", "recorded on"],
              [r[1:] for r in rows[:500]],
              note="As leadstream recorded them; where each went: the table above.")]}


def delivered_table(answer: dict | None, model: str) -> dict:
    """Alertmanager's alerts of ``model`` (and those naming no model), newest first: state
    and the receivers they were routed to (kept after resolution)."""
    title = "Delivered through Alertmanager (newest first)"
    columns = ["started", "alert", "severity", "version", "state", "receivers", "resolved",
               "summary"]
    if not answer:
        return table("delivered", title, columns, [], note="Alertmanager not asked yet.")
    rows = [[_iso(a["starts_at"] * 1000)[:19], a["labels"].get("alertname", ""),
             a["labels"].get("severity", ""), a["labels"].get("version", ""), a["state"],
             ", ".join(a["receivers"]) or "—",
             _iso(a["ends_at"] * 1000)[:19] if a["ends_at"] else "", a["summary"]]
            for a in answer["alerts"] if a["labels"].get("model") in (None, model)]
    note = ("Receivers: those Alertmanager's routing sends the alert to (a suppressed alert "
            "is sent to nobody); a resolved alert keeps the receivers it had when last seen "
            "firing. Alerts resolved before this dashboard started are not listed.")
    if not answer["ok"]:
        note = f"{answer['error']}: states as last seen, not current. " + note
    return table("delivered", title, columns, rows[:500], note=note)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()
