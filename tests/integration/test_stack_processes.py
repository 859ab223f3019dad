"""``stack status`` lists the leadstream processes running against Kafka from their consumer
groups: a scorer that consumes is listed as consuming, with its partitions; one that left
is not running; agents and sink are listed as not running when none runs."""

from __future__ import annotations

import uuid

from confluent_kafka import Consumer
from rich.console import Console

from streams.cli.stack import _processes_table
from streams.stack.processes import running_processes
from tests.integration.helpers import wait_until


def test_a_consuming_scorer_is_listed_and_one_that_left_is_not(make_settings) -> None:
    settings = make_settings(sink_group=f"leadstream-sink-{uuid.uuid4().hex[:8]}")
    scorer = Consumer({**settings.kafka_config(), "group.id": settings.consumer_group,
                       "client.id": "leadstream-score-test"})
    scorer.subscribe([settings.topic_incoming])
    try:
        wait_until(lambda: scorer.poll(0.2) is None and bool(scorer.assignment()), 60,
                   "the scorer's partitions")
        found = {p.role: p for p in running_processes(settings)}
        assert found["scorer"].health == "consuming", found
        assert found["scorer"].members == 1 and found["scorer"].partitions == 6
        assert found["scorer"].clients[0].startswith("leadstream-score-test@")
        assert found["agents"].health == "not running" and found["sink"].members == 0
        console = Console(width=200, record=True)
        console.print(_processes_table(list(found.values())))
        text = console.export_text()
        assert "scorer" in text and "consuming" in text and "not running" in text
    finally:
        scorer.close()
    after = {p.role: p for p in running_processes(settings)}
    assert after["scorer"].health == "not running"
