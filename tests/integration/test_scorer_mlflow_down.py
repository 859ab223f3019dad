"""MLflow unreachable at restart: the scorer starts from its model cache and scores."""

from __future__ import annotations

import uuid
from pathlib import Path

from streams.settings import Settings
from tests.integration.fate import check_fates
from tests.integration.helpers import (
    ScorerProcess,
    closed_port,
    make_traffic,
    produce,
    train_champion,
)


def test_scorer_starts_from_cache_when_mlflow_is_down(
    fresh_settings: Settings, tmp_path: Path
) -> None:
    settings = fresh_settings.model_copy(update={"model_name": f"m-{uuid.uuid4().hex[:8]}"})
    trained = train_champion(settings)
    sent, frame = make_traffic(2_000, settings, bad_share=0.1)
    half = len(sent) // 2
    where = produce(settings, sent[:half])
    with ScorerProcess(settings, tmp_path / "up.log", "--max-events", str(half)) as scorer:
        assert scorer.wait(90) == 0, scorer.text()[-3000:]

    where.update(produce(settings, sent[half:]))
    down = f"http://127.0.0.1:{closed_port()}"
    with ScorerProcess(settings, tmp_path / "down.log", "--max-events", str(len(sent) - half),
                       mlflow_tracking_uri=down) as scorer:
        assert scorer.wait(90) == 0, scorer.text()[-3000:]
        text = scorer.text()
    # the champion as last seen comes from the disk cache without asking MLflow at start
    # (streams/scorer/startup.py); MLflow is asked in the background, and its being down
    # only keeps that version in place
    assert f"{settings.model_name}@champion v1 from the cache" in text, text[-3000:]

    out = check_fates(settings, where, frame, {"1": trained})
    assert {r["model_version"] for r in out.scored} == {"1"}
