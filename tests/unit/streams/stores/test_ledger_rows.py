"""Ledger entries built from a routed batch carry the served variant, version and score."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.control import ServingConfig
from schemas.ledger import LedgerEntry
from schemas.scored import Variant
from scoring.routing import route_batch
from streams.stores.ledger_rows import ledger_rows

NOW = datetime(2025, 3, 1, tzinfo=UTC)


def test_entries_follow_the_route():
    config = ServingConfig(model_name="m", champion_version="1", challenger_version="2",
                           mode="ab", treatment_share=0.5, experiment_id="e", salt="s",
                           sequence=3, actor="a", updated_at=NOW)
    leads = [f"l{i}" for i in range(200)]
    route = route_batch(config, leads)
    scores = [i / 200 for i in range(200)]
    entries = list(ledger_rows(route, "m", leads, [None] * 200, scores,
                             {"industry": ["saas"] * 200, "company_size": list(range(200))},
                             NOW))
    for i, e in enumerate(entries):
        treated = bool(route.treatment[i])
        assert e.variant is (Variant.TREATMENT if treated else Variant.CONTROL)
        assert e.model_version == ("2" if treated else "1") and e.experiment_id == "e"
        assert e.features == {"industry": "saas", "company_size": i} and e.score == scores[i]
        assert LedgerEntry.model_validate_json(e.model_dump_json()) == e
    assert 60 < sum(e.variant is Variant.TREATMENT for e in entries) < 140
