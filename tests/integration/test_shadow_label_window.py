"""The labelled shadow pairs on a real Redis: one triple per lead through the outcome join,
a redelivery adds nothing, a later conversion turns the label to 1 (never back), the
newest ``cap`` leads are kept, every key has a TTL, and forgetting a lead erases it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from schemas.experiments import Outcome
from schemas.ledger import LedgerEntry
from schemas.scored import Variant
from streams.stores.experiments import ExperimentStore, join_outcome
from streams.stores.labels import LabelWindow
from streams.stores.ledger import Ledger
from streams.stores.shadow_labels import ShadowLabelWindow

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def entry(model: str, i: int, shadow: bool = True) -> LedgerEntry:
    return LedgerEntry(lead_id=f"L{i}", model_name=model, model_version="3",
                       variant=Variant.CHAMPION, score=i / 100, features={},
                       scored_at=T0, challenger_version="4" if shadow else None,
                       challenger_score=1 - i / 100 if shadow else None)


def outcome(i: int, converted: bool, minutes: int = 0) -> Outcome:
    return Outcome(lead_id=f"L{i}", converted=converted,
                   occurred_at=T0 + timedelta(minutes=i + minutes))


def test_the_outcome_join_labels_both_scores_once_per_lead(redis_client) -> None:
    model = f"m-{uuid.uuid4().hex[:8]}"
    ledger, store = Ledger(redis_client, 3600), ExperimentStore(redis_client, 3600)
    labels = LabelWindow(redis_client, 100, 3600)
    shadow = ShadowLabelWindow(redis_client, 5, 3600)
    ledger.write([entry(model, i) for i in range(8)] + [entry(model, 50, shadow=False)])
    for i in range(8):
        join_outcome(ledger, store, outcome(i, i % 2 == 0), labels, shadow)
    join_outcome(ledger, store, outcome(50, True), labels, shadow)  # no shadow score
    join_outcome(ledger, store, outcome(7, False), labels, shadow)  # redelivered
    join_outcome(ledger, store, outcome(5, True, 1), labels, shadow)  # converts later
    join_outcome(ledger, store, outcome(6, False, 1), labels, shadow)  # never back to 0
    pairs = shadow.read(model, "3", "4")
    kept = sorted(zip(pairs.champion, pairs.challenger, pairs.labels, strict=True))
    # the 5 newest first labels (leads 3..7): scores i/100 and 1 - i/100, labels as joined
    assert kept == [(i / 100, 1 - i / 100, float(i % 2 == 0 or i == 5)) for i in range(3, 8)]
    assert len(labels.read(model, "3")[0]) == 9  # the served scores' window, unchanged
    key = ShadowLabelWindow.key(model, "3", "4")
    for k in (key, f"{key}:order", f"{key}:count"):
        assert 0 < redis_client.ttl(k) <= 3600, k
    assert int(redis_client.get(f"{key}:count")) == 8
    assert labels.forget("L6") >= 2  # the erasure visits the shadow pairs too
    assert sorted(shadow.read(model, "3", "4").champion) == [0.03, 0.04, 0.05, 0.07]
