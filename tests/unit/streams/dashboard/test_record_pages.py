"""The experiments, models and alerts pages from records as the topics carry them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from schemas.alerts import ControlAlert
from schemas.control import AuditEntry, ServingConfig
from schemas.experiments import ArmSummary, ExperimentReport, Interval
from streams.dashboard.audit import alerts, models
from streams.dashboard.experiments import experiments
from streams.dashboard.history import History

NOW = datetime.now(UTC)


def _look(i: int, p: float) -> dict:
    return ExperimentReport(
        experiment_id="exp-1", model_name="m", mode="ab", treatment_share=0.5,
        control=ArmSummary(variant="control", model_version="1", assigned=1000,
                           outcomes=400, conversions=40, conversion_rate=0.1),
        treatment=ArmSummary(variant="treatment", model_version="2", assigned=990,
                             outcomes=410, conversions=62, conversion_rate=62 / 410),
        srm_p_value=0.82, srm_ok=True,
        absolute_lift=Interval(estimate=0.0512, lower=0.01, upper=0.09, method="newcombe"),
        relative_lift=Interval(estimate=0.5, lower=0.1, upper=0.9, method="delta"),
        sequential_p_value=p, sequential_ci=Interval(estimate=0.05, lower=0.0, upper=0.1,
                                                     method="msprt"),
        sequential_looks=i, tau2=0.01, alpha=0.05, min_outcomes_per_arm=100,
        treatment_worse=False, recommendation="continue" if p > 0.05 else "promote",
        generated_at=NOW + timedelta(minutes=i)).model_dump(mode="json")


def _history() -> History:
    h = History(86_400, 100)
    now_ms = int(time.time() * 1000)
    for i, p in enumerate((0.4, 0.2, 0.03), start=1):
        h.add("experiments", _look(i, p), now_ms + i)
    before = ServingConfig(model_name="m", champion_version="2", previous_champion_version="1",
                           sequence=4, actor="ops", updated_at=NOW)
    after = ServingConfig(model_name="m", champion_version="1", sequence=5,
                          actor="guardrail:score_collapse", reason="score collapsed",
                          updated_at=NOW)
    h.add("audit", AuditEntry(model_name="m", sequence=5, action="rollback",
                              actor="guardrail:score_collapse", reason="score collapsed",
                              at=NOW, before=before, after=after).model_dump(mode="json"),
          now_ms)
    h.add("alerts", ControlAlert(model_name="m", kind="cooldown", message="within cooldown",
                                 source="rollback", actor="guardrail", at=NOW
                                 ).model_dump(mode="json"), now_ms - 5000)
    h.add_report("guardrails", {
        "role": "champion", "model_version": "2", "window_end_ms": now_ms - 1000,
        "emitted_at": NOW.isoformat(), "state": "CRITICAL", "guardrails": [],
        "transitions": [{"guardrail": "score_collapse", "from_level": "HEALTHY",
                         "to_level": "CRITICAL", "value": 11.3}]})
    return h


def test_experiments_show_arms_lift_srm_and_the_p_value_over_looks() -> None:
    page = experiments(_history().snapshot(), "m")
    (arms,) = page["tables"]
    assert "PROMOTE" in arms["title"]
    assert [r[:5] for r in arms["rows"]] == [["control", "1", 1000, 400, 40],
                                             ["treatment", "2", 990, 410, 62]]
    assert "absolute lift +0.0512 [+0.0100, +0.0900]" in arms["note"]
    assert "SRM ok" in arms["note"] and "after 3 looks" in arms["note"]
    (chart,) = page["charts"]
    assert chart["series"][0]["values"] == [0.4, 0.2, 0.03]
    assert chart["series"][-1] == {"label": "alpha 0.05", "values": [0.05] * 3, "dash": True}


def test_models_page_shows_the_rollback_and_why() -> None:
    (audit, _, _) = models(_history().snapshot(), "m")["tables"]
    assert audit["rows"] == [[5, NOW.isoformat()[:19], "rollback", "guardrail:score_collapse",
                              "v2", "v1", "score collapsed"]]


def test_alerts_newest_first_with_their_state() -> None:
    delivered, table = alerts(_history().snapshot(), "m")["tables"]
    assert delivered["id"] == "delivered" and delivered["rows"] == []  # not asked yet
    assert [(r[2], r[3]) for r in table["rows"]] == [("score_collapse", "firing"),
                                                     ("cooldown", "fired")]
