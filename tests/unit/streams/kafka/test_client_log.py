"""librdkafka's log lines through Python logging: benign retries at DEBUG, everything else
at its own level (confluent-kafka calls ``logger.log(level, "%s [%s] %s", fac, name, msg)``)."""

from __future__ import annotations

import logging

from confluent_kafka import Producer

from streams.kafka.client_log import ClientLog, client_log

FMT = "%s [%s] %s"
PID = ("GETPID", "rdkafka#producer-1", "Failed to acquire idempotence PID from broker "
       "127.0.0.1:9092/1: Broker: Coordinator load in progress: retrying")
REAL = ("FAIL", "rdkafka#producer-1", "127.0.0.1:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 "
        "failed: Connection refused")


def test_benign_retries_at_debug_real_errors_at_their_level(caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="librdkafka")
    log = ClientLog()
    log.log(logging.WARNING, FMT, *PID)
    log.log(logging.ERROR, FMT, *REAL)
    got = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert got == [(logging.DEBUG, "GETPID [rdkafka#producer-1] " + PID[2]),
                   (logging.ERROR, "FAIL [rdkafka#producer-1] " + REAL[2])]


def test_confluent_kafka_accepts_it_as_logger() -> None:
    producer = Producer({"bootstrap.servers": "127.0.0.1:1", **client_log()})
    producer.flush(0)
