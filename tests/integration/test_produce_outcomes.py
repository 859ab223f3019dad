"""``leadstream produce --outcomes`` as a subprocess against the real stack, with a scorer
and the agents running: every outcome follows its lead by at least the delay, only real
leads get one, a quiet share gets none, and the outcome agent labels each lead's ledger row
with exactly the outcome on ``leads.outcomes``."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition
from scipy.stats import binom

from schemas.scored import Variant
from streams.settings import Settings
from streams.stack.children import settings_env
from streams.stores.experiments import ExperimentStore
from tests.integration.agents_support import AgentsProcess
from tests.integration.helpers import ScorerProcess, train_champion, wait_until
from tests.integration.outcome_helpers import outcomes_committed

N, BAD, DELAY_S, QUIET = 600, 0.05, 1.5, 0.25


def _timed(settings: Settings, topic: str, decode: bool) -> dict[str, tuple[int, dict | None]]:
    """Key → (CreateTime in ms, the JSON value if ``decode``) of every record."""
    consumer = Consumer({**settings.kafka_config(), "group.id": f"reader-{uuid.uuid4().hex}",
                         "enable.auto.commit": False})
    try:
        parts = [TopicPartition(topic, p, 0)
                 for p in consumer.list_topics(topic, timeout=10).topics[topic].partitions]
        ends = {tp.partition: consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in parts}
        consumer.assign(parts)
        out: dict[str, tuple[int, dict | None]] = {}
        done: dict[int, int] = {p: 0 for p in ends}
        while any(done[p] < end for p, end in ends.items()):
            for msg in consumer.consume(1000, 1.0):
                assert msg.error() is None, msg.error()
                done[msg.partition()] = msg.offset() + 1
                value = json.loads(msg.value()) if decode else None
                out[msg.key().decode(errors="replace")] = (msg.timestamp()[1], value)
        return out
    finally:
        consumer.close()


def test_produce_outcomes_are_joined_with_the_leads_they_follow(make_settings, redis_client,
                                                                tmp_path: Path):
    redis_client.flushdb()
    s = make_settings(model_name=f"lead-{uuid.uuid4().hex[:8]}", outcome_retry_s=0.5)
    train_champion(s)
    with (ScorerProcess(s, tmp_path / "scorer.log") as scorer,
          AgentsProcess(s, tmp_path / "agents.log") as agents):
        run = subprocess.run(
            [sys.executable, "-m", "streams.cli", "produce", "-n", str(N), "--seed", "5",
             "--malformed-share", str(BAD), "--outcomes", "--outcome-delay", str(DELAY_S),
             "--quiet-share", str(QUIET)],
            env=settings_env(s), capture_output=True, text=True, timeout=180, check=False)
        assert run.returncode == 0, run.stderr[-2000:]
        leads = {k: v for k, v in _timed(s, s.topic_incoming, False).items()
                 if not k.startswith("bad-")}
        outcomes = _timed(s, s.topic_leads_outcomes, True)
        store = ExperimentStore(redis_client)

        def labelled() -> bool:
            return redis_client.hlen("leadstream:exp:version:1:leads") == len(outcomes)

        wait_until(labelled, 120, f"ledger rows labelled\n{scorer.tail()}\n{agents.tail()}")
        wait_until(lambda: outcomes_committed(s), 60, "the agents to commit every outcome")

    converted = {k: bool(v["converted"]) for k, (_, v) in outcomes.items()}
    assert f"published {len(outcomes)} outcomes ({sum(converted.values())} converted)" \
        in run.stdout
    # only real leads, each after its lead by at least the delay (CreateTime, in ms)
    assert set(outcomes) <= set(leads)
    assert all(t >= leads[k][0] + DELAY_S * 1000 - 1 for k, (t, _) in outcomes.items())
    assert BAD * N * 0.4 < N - len(leads) < BAD * N * 2  # malformed ones went out too
    low, high = binom.interval(1 - 1e-6, len(leads), 1 - QUIET)
    assert low <= len(outcomes) <= high  # the quiet share got none
    assert 0 < sum(converted.values()) < len(outcomes)
    # the agent labelled each lead's row with its outcome, and counted them once
    hashed = redis_client.hgetall("leadstream:exp:version:1:leads")
    assert {k.decode(): v == b"1" for k, v in hashed.items()} == converted
    tally = store.tallies("version:1")[Variant.CHAMPION]
    assert (tally.outcomes, tally.conversions) == (len(converted), sum(converted.values()))
