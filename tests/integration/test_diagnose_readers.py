"""``diagnose``'s look at a topic ends on a busy topic: it reads the last records up to where
each partition ended when the look began, and does not follow records still arriving (the
dashboard's diagnose page rebuilt its report only when the CRM's traffic stopped)."""

from __future__ import annotations

import json
import threading
import time

from confluent_kafka import Producer

from schemas.topics import LEADS_DEADLETTER
from streams.diagnose.readers import recent
from streams.kafka.topics import topic_name

BEFORE = 300


def _send(producer: Producer, topic: str, phase: str, i: int) -> None:
    producer.produce(topic, key=f"k{i}".encode(), value=json.dumps({"phase": phase, "i": i}))


def test_a_look_at_a_busy_topic_ends_with_what_was_there(make_settings) -> None:
    s = make_settings()
    topic = topic_name(s, LEADS_DEADLETTER)
    producer = Producer(s.kafka_config())
    for i in range(BEFORE):
        _send(producer, topic, "before", i)
    assert producer.flush(30) == 0
    stop, sent_after = threading.Event(), []

    def keep_sending() -> None:  # a record every ~5 ms for at most 90 s
        deadline = time.monotonic() + 90
        while not stop.is_set() and time.monotonic() < deadline:
            _send(producer, topic, "after", len(sent_after))
            sent_after.append(1)
            producer.poll(0.005)
        producer.flush(30)

    sender = threading.Thread(target=keep_sending, daemon=True)
    sender.start()
    try:
        started = time.monotonic()
        rows = recent(s, topic, 500)
        took = time.monotonic() - started
        still_sending = sender.is_alive()
    finally:
        stop.set()
        sender.join(60)
    assert still_sending, "the look ended only when the traffic did"
    assert took < 45, took
    before = sorted(v["i"] for _, _, v in rows if v["phase"] == "before")
    assert before == list(range(BEFORE))  # all of it, once each
    assert len(rows) - len(before) < len(sent_after)  # not what kept arriving after
