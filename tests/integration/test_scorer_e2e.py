"""End to end: CRM traffic with ~10 % malformed events and a few resends, through the real
broker, Redis and MLflow → exactly one committed output per input, with the right content."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from schemas.errors import RejectReason
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
