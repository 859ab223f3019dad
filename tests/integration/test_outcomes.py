"""Outcomes joined with the ledger by the outcome agent (real Kafka, Redis, faust worker):
per-variant counts exactly once under redelivery; unknown leads parked; a report on demand."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from schemas.control import ServingConfig
from schemas.experiments import ExperimentReport, Outcome
from schemas.scored import Variant
from scoring.experiments import ArmTally
from streams.agents.reports import publish_look
from streams.kafka.reader import TopicReader
from streams.settings import Settings
from streams.stores.experiments import ExperimentStore
from streams.stores.ledger import Ledger
from streams.stores.parked import ParkedOutcomes
from tests.integration.agents_support import AgentsProcess
from tests.integration.helpers import wait_until
from tests.integration.outcome_helpers import outcomes_committed, produce_outcomes
from tests.integration.test_ledger import entries

NOW = datetime(2025, 3, 2, tzinfo=UTC)


def _outcomes() -> list[Outcome]:
    """Leads 0..39 of exp-1: every third converts; lead 4 converts on a second outcome."""
    out = [Outcome(lead_id=f"lead-{i}", converted=i % 3 == 0, deal_value=100.0 if i % 3 == 0
                   else None, occurred_at=NOW) for i in range(40)]
    out.append(Outcome(lead_id="lead-4", converted=True, deal_value=50.0, occurred_at=NOW,
                       event_id="late-conversion"))
    out += [Outcome(lead_id=f"ghost-{i}", converted=True, occurred_at=NOW) for i in range(5)]
    return out


def _expected(outcomes: list[Outcome]) -> dict[Variant, ArmTally]:
    converted: dict[str, bool] = {}
    for o in outcomes:
        if o.lead_id.startswith("lead-"):
            converted[o.lead_id] = converted.get(o.lead_id, False) or o.converted
    tallies = {}
    for variant, parity in ((Variant.CONTROL, 0), (Variant.TREATMENT, 1)):
        leads = [k for k in converted if int(k.split("-")[1]) % 2 == parity]
        tallies[variant] = (len(leads), sum(converted[k] for k in leads))
    return tallies


def test_outcomes_counted_once_under_redelivery(fresh_settings, redis_client, tmp_path: Path):
    settings = fresh_settings
    ledger = Ledger.from_settings(settings)
    assert ledger.write(entries(40)).written == 40
    outcomes = _outcomes()
    with AgentsProcess(settings, tmp_path / "agents.log") as agents:
        produce_outcomes(settings, outcomes)
        produce_outcomes(settings, outcomes)  # every outcome redelivered
        store = ExperimentStore(redis_client)
        expected = _expected(outcomes)

        def counted() -> bool:
            t = store.tallies("exp-1")
            return {v: (t[v].outcomes, t[v].conversions) for v in expected} == expected

        wait_until(counted, 60, f"outcome counts\n{agents.text()[-2000:]}")
        wait_until(lambda: outcomes_committed(settings), 60, "the agent to commit every outcome")
    assert counted()
    tallies = store.tallies("exp-1")
    assert tallies[Variant.CONTROL].deal_value == 100.0 * 7 + 50.0  # 0,6,..,36 and lead-4
    assert tallies[Variant.TREATMENT].deal_value == 100.0 * 7  # leads 3,9,...,39
    parked = ParkedOutcomes(redis_client, settings.outcome_park_ttl_s, settings.outcome_park_max)
    assert parked.count() == 5
    assert {p.outcome().lead_id for p in parked.all()} == {f"ghost-{i}" for i in range(5)}
    _report_on_demand(settings, expected)


def _report_on_demand(settings: Settings, expected: dict) -> None:
    config = ServingConfig(model_name=settings.model_name, champion_version="1",
                           challenger_version="2", mode="ab", treatment_share=0.5,
                           experiment_id="exp-1", salt=uuid.uuid4().hex, sequence=1,
                           actor="pytest", updated_at=NOW)
    report = publish_look(settings, config)
    assert (report.control.outcomes, report.control.conversions) == expected[Variant.CONTROL]
    assert report.control.assigned == 20 and report.srm_ok and report.sequential_looks == 1
    with TopicReader(settings, settings.topic_experiments_reports) as reader:
        published = [ExperimentReport.model_validate_json(r.value) for r in reader.to_end()]
    assert published == [report]
    assert publish_look(settings, config).sequential_looks == 2
