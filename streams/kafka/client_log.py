"""librdkafka's log lines through Python logging, its benign retries at debug level.

Without a ``logger`` in its config, librdkafka writes its own log lines to stderr, so a
person running ``models promote`` against a just-started broker reads ``Failed to acquire
idempotence PID … Coordinator load in progress: retrying`` although nothing went wrong.
:func:`client_log` routes them to the ``librdkafka`` logger instead; :class:`ClientLog`
logs the retries librdkafka recovers from by itself (:data:`BENIGN`) at DEBUG and every
other line at its own level, so real errors still reach the terminal.
"""

from __future__ import annotations

import logging

BENIGN = (
    "Coordinator load in progress",
    "Failed to acquire idempotence PID",
    "Failed to acquire transactional PID",
    "Coordinator not available",
    "Not coordinator",
    "Broker: Leader not available",
    "Broker: Not leader for partition",
)
"""Fragments of librdkafka log lines it retries on its own (a broker or coordinator that is
still starting or moving): debug, not a person's business."""


class ClientLog:
    """What confluent-kafka calls as its ``logger``: ``log(level, fmt, *args)``."""

    def __init__(self, logger: logging.Logger | None = None):
        self.logger = logger or logging.getLogger("librdkafka")

    def log(self, level: int, msg: str, *args: object) -> None:
        text = msg % args if args else msg
        if level > logging.DEBUG and any(fragment in text for fragment in BENIGN):
            level = logging.DEBUG
        self.logger.log(level, "%s", text)


def client_log(logger: logging.Logger | None = None) -> dict[str, ClientLog]:
    """The config entry that routes a client's log lines through :class:`ClientLog`."""
    return {"logger": ClientLog(logger)}
