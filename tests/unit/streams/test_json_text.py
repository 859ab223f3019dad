"""The hot path's hand-built JSON is byte for byte what json.dumps writes for the same values."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np

from schemas.control import ServingConfig
from schemas.ledger import LedgerEntry
from scoring.routing import route_batch
from streams.json_text import FloatTexts, column, text, value
from streams.stores.ledger_rows import ledger_rows

SCALARS = [None, True, False, 0, -5, 10**20, 0.1, 1e-05, 1e300, 0.30000000000000004, 3.0,
           "", "plain", 'quote " and \\ and\nnewline', "é ünïcode 😀"]


def test_scalars_and_columns_match_json_dumps() -> None:
    for v in SCALARS:
        assert value(v) == json.dumps(v)
    assert text(None) == "null" and text("a,b") == json.dumps("a,b")
    numbers = [1, 2.5, None, -3, 1e-07, 12345678901234567890]
    assert column(numbers) == [json.dumps(v) for v in numbers]
    assert column(SCALARS) == [json.dumps(v) for v in SCALARS]
    assert column([]) == []


def test_ledger_rows_read_back_through_the_contract() -> None:
    now = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    config = ServingConfig(model_name="m", champion_version="1", challenger_version="2",
                           mode="ab", treatment_share=0.5, experiment_id="e", salt="s",
                           sequence=3, actor="a", updated_at=now)
    leads = [f"l{i}" for i in range(50)]
    route = route_batch(config, leads)
    columns = {"industry": ["saas", None, 'x"y'] * 16 + ["a", "b"],
               "company_size": [*range(49), None], "score_x": [0.1 * i for i in range(50)]}
    rows = ledger_rows(route, "m", leads, ["ev", None] * 25, [i / 50 for i in range(50)],
                       columns, now)
    for i, entry in enumerate(rows):
        assert isinstance(entry, LedgerEntry) and entry.lead_id == leads[i]
        assert (entry.model_name, entry.scored_at, entry.score) == ("m", now, i / 50)
        assert entry.event_id == ("ev" if i % 2 == 0 else None)
        assert entry.model_version == ("2" if route.treatment[i] else "1")
        assert entry.features == {k: v[i] for k, v in columns.items()}
    assert sum(len(v) for v in rows.assigned.values()) == 50


def test_memoised_float_texts_are_json_dumps_of_each_value_batch_after_batch() -> None:
    rng = np.random.default_rng(7)
    edges = [0.0, -0.0, float("nan"), float("inf"), float("-inf"), 1e-05, 1e16, -2.5]
    texts = FloatTexts(limit=300)  # small: the memo is emptied several times
    for _ in range(30):
        values = (np.round(rng.normal(0, 0.3, 200), 4).tolist()
                  + rng.choice(edges, 20).tolist() + [-0.0, 0.0, -0.0])
        assert texts.column(values) == [json.dumps(v) for v in values]
    assert texts.column([]) == []
