"""What the agents read of a consumed record besides its value, and how they produce one.

The whole record is input: its key (any bytes, none, up to the broker's limit), headers
(any names, repeated, large) and timestamp (any type and value) as much as its value.
:func:`timestamp_ms` reads a timestamp only when the record has a usable one,
:func:`received_ms` only when it is within the clock-skew tolerance, :func:`model_key` a key
only when it is a safe model name. Every record
the agents produce goes through :func:`send`, which applies the one size check
(:func:`streams.kafka.sizes.check_record`) before anything is sent.
"""

from __future__ import annotations

from typing import Any

from monitors.event_time import SkewTolerance
from schemas.names import check_segment
from streams.kafka.sizes import check_record

MAX_NAME_BYTES = 128
MAX_TIMESTAMP_MS = 253_402_300_799_999
"""9999-12-31T23:59:59.999Z: the last time a timestamp of ours can name."""


def timestamp_ms(event: Any) -> int | None:
    """The record's Kafka timestamp in ms; None when it has none, or one before 1970 or
    after 9999 (any int64 can be set by a producer)."""
    ts = getattr(event.message, "timestamp", None)
    if not isinstance(ts, int | float) or not 0 <= ts * 1000 <= MAX_TIMESTAMP_MS:
        return None
    return round(ts * 1000)


async def send(topic: Any, key: bytes | None, value: bytes, limit: int,
               headers: list[tuple[str, bytes]] | None = None) -> None:
    """Produce one record on a faust ``topic`` after the one size check (over ``limit``:
    :class:`~streams.kafka.sizes.RecordTooLarge`, before anything is sent)."""
    check_record(topic.get_topic_name(), key, value, limit, headers)
    await topic.send(key=key, value=value, headers=headers)


def received_ms(event: Any, skew: SkewTolerance, now_ms: int) -> int:
    """When the record arrived, for event-time checks: its Kafka timestamp if it has one
    within ``skew`` of ``now_ms`` (a producer sets any time it likes), else ``now_ms``."""
    ts = timestamp_ms(event)
    return ts if ts is not None and skew.trusts(ts, now_ms) else now_ms


def model_key(key: bytes | None) -> str | None:
    """The model name a record of a model topic is keyed by; None if the key is no safe
    model name (any bytes, of any size, can be a key)."""
    if key is None or len(key) > MAX_NAME_BYTES:
        return None
    try:
        return check_segment(key.decode("ascii"), "model name")
    except (UnicodeDecodeError, ValueError):
        return None
