"""Scale-out on a 3-node KRaft cluster (replication factor 3, ``min.insync.replicas`` 2):
a kill -9 of the broker leading a partition of ``leads.incoming`` mid-stream, and a kill -9
of one of two scorers in one group. Whatever happens, every incoming event ends as exactly
one committed output, the one it should have (``check_fates``).

Three JVMs and a cluster's elections: 3 min 17 s for the module at load average 10 on the
2-core machine (under the 4 min budget), so it runs in ``make test``; marked ``cluster``
(``make cluster`` runs it with test_history_exact.py's cluster variants, which are marked
``extended`` too and so left out of ``make test``; ``pytest -m "not cluster"`` leaves both out).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.settings import Settings
from streams.stack import partition_leader, start_kafka, stop_kafka
from streams.stack.kafka_nodes import cluster_nodes
from tests.integration.cluster_stack import scorer_settings
from tests.integration.fate import check_fates
from tests.integration.helpers import (
    ScorerProcess,
    committed_events,
    make_traffic,
    produce,
    train_champion,
    wait_until,
)

pytestmark = pytest.mark.cluster
EVENTS = 20_000


def _traffic(settings: Settings) -> tuple[dict, object, dict]:
    models = {"1": train_champion(settings)}
    sent, frame = make_traffic(EVENTS, settings, bad_share=0.1, resend_share=0.01)
    return produce(settings, sent), frame, models


def test_cluster_replicates_every_topic(cluster_settings: Settings, kafka_cluster_admin) -> None:
    topic = cluster_settings.topic_incoming
    # a topic just created reaches every broker's metadata a moment later: wait for it
    def known() -> bool:
        found = kafka_cluster_admin.list_topics(timeout=10).topics.get(topic)
        return found is not None and found.error is None and bool(found.partitions)

    wait_until(known, 30, f"{topic} in the cluster's metadata")
    meta = kafka_cluster_admin.list_topics(timeout=10)
    assert len(meta.brokers) == 3
    incoming = meta.topics[topic].partitions
    assert len(incoming) == 12
    assert all(len(p.replicas) == 3 for p in incoming.values())
    for internal in ("__consumer_offsets", "__transaction_state"):
        if internal in meta.topics:
            assert all(len(p.replicas) == 3 for p in meta.topics[internal].partitions.values())


def test_kill9_of_the_partition_leader_mid_stream(cluster_settings: Settings,
                                                  tmp_path: Path) -> None:
    settings = cluster_settings
    where, frame, models = _traffic(settings)
    leader = partition_leader(settings, settings.topic_incoming, 0)
    assert leader in cluster_nodes(settings)
    with ScorerProcess(settings, tmp_path / "scorer.log", "--batch-size", "500") as scorer:
        wait_until(lambda: committed_events(settings) >= 2_000, 120, "first commits")
        stop_kafka(settings, force=True, node=leader)
        at_kill = committed_events(settings)
        assert at_kill < len(where), "the scorer finished before the kill: nothing was tested"
        wait_until(lambda: committed_events(settings) >= len(where), 180,
                   f"{len(where)} committed events with node {leader} dead")
        assert scorer.terminate() == 0, scorer.tail()
    assert partition_leader(settings, settings.topic_incoming, 0) != leader
    start_kafka(settings, node=leader)
    check_fates(settings, where, frame, models)


def test_kill9_of_one_of_two_scorers(cluster_settings: Settings, tmp_path: Path) -> None:
    settings = cluster_settings
    where, frame, models = _traffic(settings)
    first = ScorerProcess(scorer_settings(settings, 1), tmp_path / "s1.log",
                          "--batch-size", "500")
    with first, ScorerProcess(scorer_settings(settings, 2), tmp_path / "s2.log",
                              "--batch-size", "500") as second:
        wait_until(lambda: committed_events(settings) >= 2_000, 120, "first commits")
        first.kill9()
        assert committed_events(settings) < len(where), "finished before the kill"
        wait_until(lambda: committed_events(settings) >= len(where), 180,
                   f"{len(where)} committed events by the survivor")
        assert second.terminate() == 0, second.tail()
    check_fates(settings, where, frame, models)
