"""The overview's operations panels from Prometheus answers: dead letters by reason, lag
per group, liveness, the sink; and what they show when Prometheus does not answer."""

from __future__ import annotations

import math

from streams.dashboard.ops import DEADLETTERS, LAG_RECORDS, LAG_SECONDS, ops_panels, read_ops
from streams.dashboard.prometheus import Unreachable

NOW = 1_760_000_000.0


class Answers:
    """The three calls read_ops makes, answered from fixed results (a unit-test stand-in for
    Prometheus's HTTP API; the real one is driven in the browser test)."""

    url = "http://127.0.0.1:1"

    def __init__(self, instant: dict[str, list], ranges: dict[str, list] | None = None,
                 targets: list[dict] | None = None, down: bool = False):
        self.instant, self.ranges, self._targets, self.down = instant, ranges or {}, \
            targets or [], down
        self.asked: list[str] = []

    def query(self, expr: str) -> list:
        if self.down:
            raise Unreachable("Prometheus at http://127.0.0.1:1 did not answer (ConnectError)")
        self.asked.append(expr)
        return self.instant.get(expr, [])

    def query_range(self, expr: str, start: float, end: float, step: float) -> list:
        return [(labels, [(t, v) for t, v in values if start <= t <= end])
                for labels, values in self.ranges.get(expr, [])]

    def targets(self) -> list[dict]:
        return self._targets


def _target(job: str, health: str) -> dict:
    return {"labels": {"job": f"leadstream-{job}", "instance": "127.0.0.1:9"},
            "health": health, "lastScrape": "", "lastError": "refused" if health == "down"
            else ""}


def test_unreachable_prometheus_is_said_and_no_number_is_shown() -> None:
    ops = read_ops(Answers({}, down=True), NOW)
    cards, charts, tables = ops_panels(ops)
    assert ops["ok"] is False and charts == [] and tables == []
    assert "Prometheus unreachable" in cards[0]["lines"][0]
    assert not any(ch.isdigit() for ch in cards[0]["lines"][1])


def test_dead_letters_lag_liveness_and_sink_from_the_answers() -> None:
    scorer = DEADLETTERS["scorer"]
    instant = {
        "sum(rate(leadstream_scorer_consumed_total[5m]))": [({}, 200.0)],
        f"sum by (reason) (rate({scorer}[5m]))": [({"reason": "invalid_json"}, 4.0),
                                                   ({"reason": "schema_violation"}, 1.0)],
        f"sum by (reason) ({scorer})": [({"reason": "invalid_json"}, 900.0)],
        LAG_RECORDS: [({"job": "leadstream-scorer", "group": "g"}, 12.0),
                      ({"job": "leadstream-agents", "group": "g-agents"}, 0.0)],
        LAG_SECONDS: [({"job": "leadstream-scorer", "group": "g"}, 3.5)],
        "sum(leadstream_sink_delivered_total)": [({}, 41.0)],
        "sum(rate(leadstream_sink_delivered_total[5m]))": [({}, 2.5)],
    }
    step = 15.0
    grid = [math.floor((NOW - 3600) / step) * step + step * i for i in range(3)]
    ranges = {LAG_RECORDS: [({"job": "leadstream-scorer", "group": "g"},
                             [(grid[0], 5.0), (grid[2], 12.0)])]}
    ops = read_ops(Answers(instant, ranges, [_target("scorer", "up"),
                                             _target("agents", "down")]), NOW, step)
    cards, charts, tables = ops_panels(ops)
    dead = {t["id"]: t for t in tables}["ops-deadletters"]
    assert dead["rows"][0][:4] == ["scorer", "invalid_json", 4.0, "0.02"]  # 4/200
    assert dead["rows"][1][:2] == ["scorer", "schema_violation"] and dead["rows"][1][4] == "—"
    lag = {t["id"]: t for t in tables}["ops-lag"]["rows"]
    assert lag == [["scorer", "g", 12.0, "3.5"], ["agents", "g-agents", 0.0, "—"]]
    live = "\n".join(cards[0]["lines"])
    assert "scorer 127.0.0.1:9: UP" in live and "agents 127.0.0.1:9: DOWN" in live
    assert "refused" in live and "sink: no target scraped" in live
    assert dead["rows"][0][4] == "900"
    assert cards[1]["lines"] == ["delivered: 41 since the sink started, 2.5/s over 5m"]
    lag_chart = {c["id"]: c for c in charts}["ops-lag-records"]
    values = lag_chart["series"][0]["values"]
    assert lag_chart["x"][:3] == grid and values[:3] == [5.0, None, 12.0]  # from its first
    assert set(values[3:]) == {None}
    assert lag_chart["series"][0]["label"] == "g"
