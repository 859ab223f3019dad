"""Ledger rows checked field by field against the inputs they were built from.

Every lead has its own id, event id (some null), score and feature values, so a row that
took any field from another lead, or dropped one, differs from what is expected here. The
expected variant and version come from the documented routing hash, computed by hand.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from schemas.control import ServingConfig
from schemas.scored import Variant
from scoring.routing import route_batch
from streams.stores.ledger_rows import ledger_rows

NOW = datetime(2025, 3, 1, 12, 30, 15, 250000, tzinfo=UTC)
N = 60
LEADS = [f"lead-{i:03d}" for i in range(N)]
EVENTS = [None if i % 4 == 0 else f"ev-{i}" for i in range(N)]
SCORES = [round(0.01 + i / (N + 1), 6) for i in range(N)]
COLUMNS = {
    "industry": [["saas", "retail", None][i % 3] for i in range(N)],
    "company_size": [10 * i + 1 for i in range(N)],
    "engagement_score": [None if i % 5 == 0 else i / 2 for i in range(N)],
}


def in_treatment(salt: str, share: float, lead_id: str) -> bool:
    digest = hashlib.blake2b(salt.encode() + b"\x1f" + lead_id.encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> 11) / 2**53 < share


def config(mode: str, experiment: str | None) -> ServingConfig:
    split = mode in ("ab", "canary")
    return ServingConfig(model_name="lead-scoring", champion_version="7",
                         challenger_version="8", mode=mode, treatment_share=0.5 if split else 0,
                         experiment_id=experiment, salt="ledger-salt" if split else None,
                         sequence=2, actor="t", updated_at=NOW)


def rows_of(mode: str, experiment: str | None):
    route = route_batch(config(mode, experiment), LEADS)
    return ledger_rows(route, "lead-scoring", LEADS, EVENTS, SCORES, COLUMNS, NOW)


def by_name(rows, value: str) -> dict:
    """A row read by hand from its documented positions (``ledger_codec``'s docstring)."""
    fmt, layout_id, version, variant, experiment, score, us, event_id, values, *tail = \
        json.loads(value)
    layout = json.loads(rows.layouts[layout_id])
    assert fmt == 2
    shadow = dict(zip(["challenger_version", "challenger_score"], tail, strict=False))
    return {"lead_id": None, "event_id": event_id, "model_name": layout["model_name"],
            "model_version": version, "variant": list(Variant)[variant],
            "experiment_id": experiment, "scored_at": us, "score": score,
            "features": dict(zip(layout["features"], values, strict=True)), **shadow}


def test_every_field_of_every_row_is_the_inputs_own():
    rows = rows_of("ab", "exp-9")
    assert rows.lead_ids == LEADS and len(rows) == N
    now_us = int(NOW.timestamp()) * 1_000_000 + NOW.microsecond
    for i, value in enumerate(rows.values):
        doc = by_name(rows, value)
        treated = in_treatment("ledger-salt", 0.5, LEADS[i])
        assert doc == {
            "lead_id": None,  # the key's, not the row's
            "event_id": EVENTS[i],
            "model_name": "lead-scoring",
            "model_version": "8" if treated else "7",
            "variant": Variant.TREATMENT if treated else Variant.CONTROL,
            "experiment_id": "exp-9",
            "scored_at": now_us,
            "score": SCORES[i],
            "features": {name: col[i] for name, col in COLUMNS.items()},
        }, i


def test_event_ids_are_kept_and_null_only_where_the_input_was():
    rows = rows_of("off", None)
    docs = [by_name(rows, v) for v in rows.values]
    assert [d["event_id"] for d in docs] == EVENTS
    assert sum(d["event_id"] is None for d in docs) == N // 4  # not all null


def test_lead_ids_are_all_different_as_in_the_input():
    rows = rows_of("off", None)  # a row's lead id is its key's
    assert rows.lead_ids == LEADS and len(set(rows.lead_ids)) == N == len(rows.values)


def test_outside_an_experiment_rows_are_champion_rows_without_assignments():
    rows = rows_of("shadow", None)
    for value in rows.values:
        doc = by_name(rows, value)
        assert (doc["variant"], doc["model_version"], doc["experiment_id"]) == (
            Variant.CHAMPION, "7", None)
    assert rows.assigned == {}


def test_assigned_leads_per_arm_are_the_routed_ones():
    rows = rows_of("ab", "exp-9")
    treated = [lead for lead in LEADS if in_treatment("ledger-salt", 0.5, lead)]
    control = [lead for lead in LEADS if not in_treatment("ledger-salt", 0.5, lead)]
    assert rows.assigned == {("exp-9", Variant.TREATMENT): treated,
                             ("exp-9", Variant.CONTROL): control}


def test_rows_parse_through_the_ledger_contract():
    entries = list(rows_of("ab", "exp-9"))
    assert [e.lead_id for e in entries] == LEADS
    assert [e.event_id for e in entries] == EVENTS
    assert [e.score for e in entries] == SCORES
    assert all(e.scored_at == NOW for e in entries)


def test_a_batch_without_feature_columns_has_empty_features():
    route = route_batch(config("off", None), LEADS[:3])
    rows = ledger_rows(route, "m", LEADS[:3], EVENTS[:3], SCORES[:3], {}, NOW)
    assert [by_name(rows, v)["features"] for v in rows.values] == [{}, {}, {}]


def test_shadow_rows_carry_each_leads_own_challenger_score_and_version():
    route = route_batch(config("shadow", None), LEADS)
    shadow = [round(0.99 - i / (N + 3), 6) for i in range(N)]  # another score per lead
    rows = ledger_rows(route, "lead-scoring", LEADS, EVENTS, SCORES, COLUMNS, NOW, shadow)
    for i, value in enumerate(rows.values):
        doc = by_name(rows, value)
        assert (doc["challenger_version"], doc["challenger_score"]) == ("8", shadow[i]), i
        assert (doc["model_version"], doc["score"]) == ("7", SCORES[i]), i
    entries = list(rows)
    assert [(e.challenger_version, e.challenger_score) for e in entries] == [
        ("8", s) for s in shadow]


def test_rows_without_shadow_scores_have_no_challenger_fields():
    rows = rows_of("ab", "exp-9")
    for value in rows.values:
        assert "challenger_score" not in by_name(rows, value)
    entries = list(rows_of("shadow", None))
    assert all(e.challenger_version is None and e.challenger_score is None for e in entries)
