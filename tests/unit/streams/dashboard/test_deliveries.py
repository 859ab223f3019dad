"""Where each alert went: Alertmanager's answers over time, against a model of what the
alerts page must show (state, receivers kept after resolution)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from streams.dashboard.audit import delivered_table
from streams.dashboard.deliveries import Deliveries

T0 = 1_760_000_000.0


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def _alert(name: str, receivers: list[str], state: str = "active", model: str | None = "m",
           inhibited: bool = False) -> dict:
    labels = {"alertname": name, "severity": "critical"}
    if model is not None:
        labels["model"] = model
    return {"fingerprint": f"fp-{name}", "labels": labels, "startsAt": _iso(T0),
            "endsAt": _iso(T0 + 3600), "receivers": [{"name": r} for r in receivers],
            "status": {"state": state, "inhibitedBy": ["x"] if inhibited else [],
                       "silencedBy": []}, "annotations": {"summary": f"{name} happened"}}


def test_resolved_alert_keeps_its_receivers_and_suppressed_is_not_sent() -> None:
    d = Deliveries()
    d.update([_alert("A", ["pagerduty", "email"]),
              _alert("B", ["slack"], "suppressed", inhibited=True)], T0 + 1)
    rows = {r["labels"]["alertname"]: r for r in d.rows()}
    assert rows["A"]["state"] == "firing" and rows["A"]["receivers"] == ["pagerduty", "email"]
    assert rows["B"]["state"] == "firing, inhibited (not sent)"
    d.update([_alert("B", ["slack"])], T0 + 2)  # A left Alertmanager's list: resolved
    rows = {r["labels"]["alertname"]: r for r in d.rows()}
    assert rows["A"]["state"] == "resolved" and rows["A"]["ends_at"] == T0 + 2
    assert rows["A"]["receivers"] == ["pagerduty", "email"]
    assert rows["B"]["state"] == "firing" and rows["B"]["ends_at"] is None


def test_model_filter_keeps_alerts_naming_no_model() -> None:
    d = Deliveries()
    d.update([_alert("A", ["x"], model="m"), _alert("B", ["x"], model="other"),
              _alert("ScorerDown", ["x"], model=None)], T0)
    assert {r["labels"]["alertname"] for r in d.rows("m")} == {"A", "ScorerDown"}
    table = delivered_table({"ok": False, "error": "Alertmanager at u did not answer",
                             "alerts": d.rows()}, "m")
    assert {row[1] for row in table["rows"]} == {"A", "ScorerDown"}
    assert table["note"].startswith("Alertmanager at u did not answer")


@given(st.lists(st.sets(st.sampled_from("ABCDE")), min_size=1, max_size=12),
       st.integers(1, 5))
def test_states_follow_the_answers(polls: list[set[str]], cap: int) -> None:
    """Independently: an alert listed in the last poll is firing; one listed before but
    not in the last poll is resolved at the first poll it was missing from since it was
    last listed; the newest ``cap`` by last sight are kept."""
    d = Deliveries(max_items=cap)
    for i, names in enumerate(polls):
        d.update([_alert(n, [f"r-{n}"]) for n in sorted(names)], T0 + i)
    last_seen = {n: max(i for i, p in enumerate(polls) if n in p) for n in set().union(*polls)}
    threshold = sorted(last_seen.values())[-cap] if len(last_seen) >= cap else -1
    rows = {r["labels"]["alertname"]: r for r in d.rows()}
    assert set(rows) <= set(last_seen) and len(rows) == min(cap, len(last_seen))
    for n, row in rows.items():
        assert row["receivers"] == [f"r-{n}"]
        if last_seen[n] == len(polls) - 1:
            assert row["state"] == "firing" and row["ends_at"] is None
        else:
            assert row["state"] == "resolved" and row["ends_at"] == T0 + last_seen[n] + 1
    assert all(last_seen[n] >= threshold for n in rows)  # the newest are the ones kept
