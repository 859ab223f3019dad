"""The scorer serving configurations from ``models.control`` on the real broker and Redis:
shadow comparisons, a sticky A/B split with its ledger, and monitor samples that add up
exactly, also across kill -9."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import pytest

from schemas.control import ServingMode
from schemas.monitor import MonitorSample
from scoring.routing import route_batch
from streams.stores.ledger import Ledger
from tests.integration.agents_support import registered_models
from tests.integration.fate import check_fates
from tests.integration.helpers import (
    ScorerProcess,
    committed_events,
    make_traffic,
    produce,
    read_topic,
    wait_until,
)
from tests.integration.serving_support import publish_config, read_uncommitted, serving_settings


@pytest.fixture
def setup(make_settings, redis_client, tmp_path: Path):
    redis_client.flushdb()
    settings = serving_settings(make_settings, tmp_path)
    return settings, registered_models(settings, 2)


def _score(settings, sent, tmp_path: Path) -> None:
    with ScorerProcess(settings, tmp_path / "scorer.log", "--max-events", str(len(sent))) as p:
        assert p.wait(180) == 0, p.text()[-3000:]


def test_shadow_mode_compares_every_scored_lead(setup, tmp_path: Path) -> None:
    s, models = setup
    publish_config(s, 1, challenger="2", mode=ServingMode.SHADOW)
    sent, frame = make_traffic(3000, s, seed=21)
    where = produce(s, sent)
    _score(s, sent, tmp_path)
    scored = check_fates(s, where, frame, {"1": models["1"]}).scored
    shadow = [r.json() for r in read_topic(s, s.topic_scores_shadow, 30)]
    assert len(shadow) == len(scored)
    by_lead = {c["lead_id"]: c for c in shadow}
    assert set(by_lead) == {r["lead_id"] for r in scored}
    for r in scored:
        c = by_lead[r["lead_id"]]
        assert (r["model_version"], r["variant"], r["model_alias"]) == ("1", "champion",
                                                                        "champion")
        assert c["champion_score"] == pytest.approx(r["score"])
        assert (c["champion_version"], c["challenger_version"]) == ("1", "2")
        assert c["challenger_grade"] and c["champion_grade"] == r["grade"]
        assert c["challenger_reasons"] and c["challenger_reasons_method"] in ("approx",
                                                                              "exact")
        spec_names = {f.name for f in models["2"].spec.features}
        assert {x["feature"] for x in c["challenger_reasons"]} <= spec_names
        assert r["reasons"] and r["reasons_method"] in ("approx", "exact")


def test_ab_split_is_sticky_routed_and_in_the_ledger(setup, redis_client, tmp_path: Path
                                                     ) -> None:
    s, models = setup
    config = publish_config(s, 1, challenger="2", mode=ServingMode.AB, share=0.3)
    sent, frame = make_traffic(10_000, s, seed=22)
    where = produce(s, sent)
    _score(s, sent, tmp_path)
    scored = check_fates(s, where, frame, models).scored
    n = len(scored)
    treated = sum(r["variant"] == "treatment" for r in scored)
    assert abs(treated - 0.3 * n) <= 4 * math.sqrt(n * 0.3 * 0.7), (treated, n)
    route = route_batch(config, [r["lead_id"] for r in scored])
    for i, r in enumerate(scored):
        assert r["variant"] == route.variants[i].value
        assert r["model_version"] == route.served_version(i)
        assert r["experiment_id"] == config.experiment_id
    entries = Ledger(redis_client, 3600).get_many([r["lead_id"] for r in scored])
    assert all(e is not None for e in entries), sum(e is None for e in entries)
    for r, e in zip(scored, entries, strict=True):
        assert (e.variant.value, e.model_version) == (r["variant"], r["model_version"])
        assert e.score == pytest.approx(r["score"]) and e.features
    assigned = Ledger(redis_client, 3600).assigned(config.experiment_id)
    assert sum(assigned.values()) == n


def _samples_by_id(records) -> dict[str, MonitorSample]:
    """Committed samples by id: an id is never repeated among committed batches."""
    out: dict[str, MonitorSample] = {}
    for rec in records:
        sample = MonitorSample.model_validate_json(rec.value)
        assert sample.sample_id not in out, f"sample id {sample.sample_id} committed twice"
        out[sample.sample_id] = sample
    return out


def test_monitor_samples_add_up_exactly_across_kill9(setup, tmp_path: Path) -> None:
    s, models = setup
    sent, frame = make_traffic(20_000, s, seed=23, bad_share=0.05)
    where = produce(s, sent)
    log = tmp_path / "scorer.log"
    for stop_at in (3_000, 6_000, 9_000, 12_000, 15_000):
        with ScorerProcess(s, log, "--batch-size", "500") as p:
            wait_until(lambda at=stop_at: committed_events(s) >= at, 120, f"{stop_at} committed")
            p.kill9()
    with ScorerProcess(s, log, "--idle-exit", "3") as p:
        wait_until(lambda: committed_events(s) >= len(sent), 120, "all committed")
        assert p.terminate() == 0
    out = check_fates(s, where, frame, {"1": models["1"]})
    scored, dead = out.scored, out.dead
    committed = _samples_by_id(read_topic(s, s.topic_monitor_samples, 30))
    assert sum(x.n_scored for x in committed.values()) == len(scored)
    assert sum(x.n_rejected for x in committed.values()) == len(dead)
    per_batch: dict[str, int] = defaultdict(int)
    for sid, x in committed.items():
        per_batch[sid.rsplit(":", 2)[0]] += x.n_scored
    assert sum(per_batch.values()) == len(scored)
    aborted = len(read_uncommitted(s, s.topic_monitor_samples)) - len(committed)
    print(f"\n{len(committed)} committed samples (read_committed, as the agents read them); "
          f"{aborted} sample records of aborted transactions, never seen by the agents")
