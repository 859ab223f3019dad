"""Where each alert went: Alertmanager's alerts with their state and receivers, remembered
past their resolution.

``GET /api/v2/alerts`` lists the alerts Alertmanager holds now, each with ``receivers`` (the
receivers its routing tree sends it to) and ``status.state`` (``active``: notified through
those receivers; ``suppressed``: silenced or inhibited, nobody notified). A resolved alert
leaves that list, receivers and all. :class:`Deliveries` therefore keeps every alert it
saw by fingerprint: an alert that is no longer listed (or whose ``endsAt`` has passed) is
*resolved*, with the receivers and state it had when last seen firing. Alerts resolved
before the dashboard first looked are not known. Bounded: the newest ``max_items``.
"""

from __future__ import annotations

from datetime import datetime

MAX_ITEMS = 500


def _ts(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _state(alert: dict) -> str:
    status = alert.get("status") or {}
    if status.get("state") == "suppressed":
        why = ("inhibited" if status.get("inhibitedBy") else
               "silenced" if status.get("silencedBy") else "suppressed")
        return f"firing, {why} (not sent)"
    if status.get("state") == "unprocessed":
        return "firing, not routed yet"
    return "firing"


class Deliveries:
    def __init__(self, max_items: int = MAX_ITEMS):
        self.max_items = max_items
        self._known: dict[str, dict] = {}

    def update(self, listed: list[dict], now_s: float) -> None:
        """Take Alertmanager's current answer (``now_s``: when it was asked)."""
        present = set()
        for alert in listed:
            key = alert.get("fingerprint") or repr(sorted(alert.get("labels", {}).items()))
            ends = _ts(alert.get("endsAt"))
            if ends is not None and ends <= now_s:
                continue  # over: resolved below, with what it had when last listed
            present.add(key)
            old = self._known.get(key, {})
            self._known[key] = {
                "labels": dict(alert.get("labels") or {}),
                "starts_at": _ts(alert.get("startsAt")) or old.get("starts_at") or now_s,
                "ends_at": None, "state": _state(alert),
                "receivers": [r.get("name", "?") for r in alert.get("receivers") or []]
                or old.get("receivers", []),
                "summary": (alert.get("annotations") or {}).get("summary", ""),
                "last_seen": now_s}
        for key, item in self._known.items():
            if key not in present and item["ends_at"] is None:
                item["ends_at"], item["state"] = now_s, "resolved"
        if len(self._known) > self.max_items:
            newest = sorted(self._known.items(), key=lambda kv: kv[1]["last_seen"])
            self._known = dict(newest[-self.max_items:])

    def rows(self, model: str | None = None) -> list[dict]:
        """Known alerts, newest start first; with ``model``, that model's and those that
        name no model (scorer down, lag, dead-letter rate)."""
        items = [dict(v) for v in self._known.values()
                 if model is None or v["labels"].get("model") in (None, model)]
        return sorted(items, key=lambda v: v["starts_at"], reverse=True)
