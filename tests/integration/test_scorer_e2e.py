"""End to end: CRM traffic with ~10 % malformed events and a few resends, through the real
broker, Redis and MLflow → exactly one committed output per input, with the right content."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from schemas.errors import RejectReason
from schemas.scored import ScoredLead
from scoring.features import FeatureEncoder
from streams.settings import Settings
from tests.integration.fate import check_fates
from tests.integration.helpers import ScorerProcess, make_traffic, produce, train_champion

N = 3000


def test_every_event_scored_or_dead_lettered_once(
    fresh_settings: Settings, tmp_path: Path, make_settings: Callable[..., Settings]
) -> None:
    settings = fresh_settings.model_copy(update={"model_name": f"m-{uuid.uuid4().hex[:8]}"})
    trained = train_champion(settings)
    sent, frame = make_traffic(N, settings, bad_share=0.1, resend_share=0.01)
    where = produce(settings, sent)

    with ScorerProcess(settings, tmp_path / "scorer.log", "--max-events", str(len(sent))) as p:
        assert p.wait(120) == 0, p.text()[-3000:]

    out = check_fates(settings, where, frame, {"1": trained})
    assert all(doc["model_alias"] == "champion" for doc in out.scored)
    reasons = Counter(doc["reason"] for doc in out.dead)
    assert len(out.scored) == sum(1 for s in sent if s.reason is None)
    assert reasons["duplicate_event"] == int(N * 0.01)
    assert set(reasons) == {r.value for r in RejectReason} - {"scoring_failed",
                                                              "internal_error"}, reasons

    _grades_and_reasons(out.scored, sent, trained)


def _grades_and_reasons(scored: list[dict], sent, trained) -> None:
    """Each scored lead carries the grade of its score (default bounds, by hand) and its
    reasons: the lead's own values, weights as XGBoost's contributions folded by hand."""
    events = {s.lead_id: json.loads(s.value) for s in sent if s.reason is None}
    enc = FeatureEncoder(trained.spec)
    names = list(enc.feature_names)
    for doc in scored:
        lead = ScoredLead.model_validate(doc)
        assert lead.grade == "DCBA"[int(np.digitize(lead.score, [0.3, 0.5, 0.8]))]
        assert lead.reasons_method == ("exact" if lead.grade == "A" else "approx")
        event = events[lead.lead_id]
        assert 1 <= len(lead.reasons) <= 6
        assert all(r.value == event.get(r.feature) for r in lead.reasons)
    for doc in scored[:40]:
        event = events[doc["lead_id"]]
        matrix = enc.encode_columns({f.name: [event.get(f.name)]
                                     for f in trained.spec.features}).matrix
        c = trained.booster.predict(xgb.DMatrix(matrix, feature_names=names),
                                    pred_contribs=True,
                                    approx_contribs=doc["reasons_method"] == "approx")[0]
        for r in doc["reasons"]:
            by_hand = sum(c[i] for i, n in enumerate(names) if n.split("__")[0] == r["feature"])
            assert r["weight"] == pytest.approx(by_hand, abs=2e-4)
