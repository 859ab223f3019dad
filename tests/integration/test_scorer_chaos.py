"""Chaos under load: kill -9 of the scorer, a Redis outage, a broker restart. Whatever
happens, every incoming event ends as exactly one committed output record, the one it
should have (scored by v1 with its offline score, or dead-lettered for its reason)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from schemas.errors import RejectReason
from scoring.training import TrainedModel
from streams.settings import Settings
from tests.integration.fate import check_fates, check_history, check_trends_never_wrong
from tests.integration.helpers import (
    ScorerProcess,
    committed_events,
    make_traffic,
    pooled,
    produce,
    produce_paced,
    train_champion,
    wait_until,
)


def _settings(fresh_settings: Settings) -> tuple[Settings, dict[str, TrainedModel]]:
    """The test's settings and its one model version (champion v1)."""
    settings = fresh_settings.model_copy(update={"model_name": f"m-{uuid.uuid4().hex[:8]}"})
    return settings, {"1": train_champion(settings)}


def _finish(scorer: ScorerProcess, settings: Settings, n: int, timeout_s: float = 90) -> None:
    """Wait until all ``n`` events are committed, then stop the scorer cleanly."""
    wait_until(lambda: committed_events(settings) >= n, timeout_s, f"{n} committed events")
    assert scorer.terminate() == 0, scorer.text()[-3000:]


def test_kill9_mid_stream_then_restart(fresh_settings: Settings, tmp_path: Path,
                                       redis_client) -> None:
    settings, models = _settings(fresh_settings)
    sent, frame = make_traffic(50_000, settings, bad_share=0.1, resend_share=0.01)
    sent = pooled(sent, 10_000)
    where = produce(settings, sent)
    log = tmp_path / "scorer.log"

    with ScorerProcess(settings, log, "--batch-size", "500") as first:
        wait_until(lambda: committed_events(settings) >= 5_000, 60, "first commits")
        first.kill9()
    at_kill = committed_events(settings)
    assert at_kill < len(sent), "the scorer finished before the kill: nothing was tested"

    with ScorerProcess(settings, log, "--batch-size", "500") as second:
        _finish(second, settings, len(sent))
    out = check_fates(settings, where, frame, models)
    assert check_history(redis_client, out.scored, settings.history_max_entries) > 5_000


def test_redis_outage_scoring_goes_on(fresh_settings: Settings, tmp_path: Path, chaos) -> None:
    settings, models = _settings(fresh_settings)
    sent, frame = make_traffic(6_000, settings, bad_share=0.1, resend_share=0.01)
    half = len(sent) // 2  # the resends are last: read while Redis is down, they are scored
    where = produce(settings, sent[:half])

    with ScorerProcess(settings, tmp_path / "scorer.log") as scorer:
        wait_until(lambda: committed_events(settings) >= half, 60, "first half committed")
        chaos.stop_redis()
        during = produce(settings, sent[half:])
        wait_until(lambda: committed_events(settings) >= len(sent), 60, "second half")
        chaos.start_redis()
        assert scorer.terminate() == 0, scorer.text()[-3000:]
        text = scorer.text()
    where.update(during)
    out = check_fates(settings, where, frame, models, without_dedup=during)
    resent = sum(s.reason is RejectReason.DUPLICATE_EVENT for s in during.values())
    assert resent == 60 and len(out.scored) == sum(s.reason is None for s in sent) + resent
    assert check_trends_never_wrong(out.scored) > 0  # unknown while Redis was down
    assert text.count("Redis is unavailable") == 1, text[-3000:]
    skipped = re.search(r"(\d+) batches without dedup", text)
    assert skipped and int(skipped.group(1)) > 0, text[-2000:]


def test_broker_restart_mid_stream(fresh_settings: Settings, tmp_path: Path, chaos) -> None:
    settings, models = _settings(fresh_settings)
    sent, frame = make_traffic(20_000, settings, bad_share=0.1)
    crm, where = produce_paced(settings, sent, chunks=20, pause_s=0.25)

    with ScorerProcess(settings, tmp_path / "scorer.log", "--batch-size", "500") as scorer:
        wait_until(lambda: committed_events(settings) >= 3_000, 60, "first commits")
        chaos.restart_kafka()
        crm.join(120)
        assert not crm.is_alive() and len(where) == len(sent)
        _finish(scorer, settings, len(sent), timeout_s=120)
    check_fates(settings, where, frame, models)


def test_a_second_scorer_with_the_same_id_fences_the_first(
    fresh_settings: Settings, tmp_path: Path
) -> None:
    settings, models = _settings(fresh_settings)
    sent, frame = make_traffic(20_000, settings, bad_share=0.1)
    crm, where = produce_paced(settings, sent, chunks=40, pause_s=0.5)  # busy for ~20 s

    with ScorerProcess(settings, tmp_path / "a.log", "--batch-size", "200") as first:
        wait_until(lambda: committed_events(settings) >= 1_000, 60, "first commits")
        with ScorerProcess(settings, tmp_path / "b.log", "--batch-size", "200") as second:
            assert first.wait(60) == 1, first.text()[-3000:]
            assert "fenced" in first.text() and "transactional id" in first.text()
            crm.join(120)
            _finish(second, settings, len(sent))
    check_fates(settings, where, frame, models)
