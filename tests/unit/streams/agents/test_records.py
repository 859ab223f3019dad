"""What the agents read of a record besides its value (timestamp, arrival, model key), and
the one size check before they send anything."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from monitors.event_time import SkewTolerance
from streams.agents.records import model_key, received_ms, send, timestamp_ms
from streams.kafka.sizes import RecordTooLarge, record_size

NOW_MS = 1_796_000_000_000
SKEW = SkewTolerance(future_ms=300_000, past_ms=7 * 86_400_000)


def ev(timestamp: float | None) -> SimpleNamespace:
    return SimpleNamespace(message=SimpleNamespace(timestamp=timestamp))


@pytest.mark.parametrize("seconds, ms", [
    (None, None), (-0.001, None), (-1e12, None), (0.0, 0), (1796000000.123, 1796000000123),
    (253402300799.999, 253402300799999), (253402300800.0, None), (9.2e15, None),
])
def test_a_timestamp_is_read_only_when_it_names_a_time_we_can_name(seconds, ms):
    assert timestamp_ms(ev(seconds)) == ms


@pytest.mark.parametrize("offset_ms, trusted", [
    (0, True), (-3_600_000, True), (299_000, True), (301_000, False),
    (-8 * 86_400_000, False), (-NOW_MS, False),
])
def test_a_samples_arrival_is_its_timestamp_only_within_the_skew_tolerance(offset_ms, trusted):
    arrival = received_ms(ev((NOW_MS + offset_ms) / 1000), SKEW, NOW_MS)
    assert arrival == (NOW_MS + offset_ms if trusted else NOW_MS)
    assert received_ms(ev(None), SKEW, NOW_MS) == NOW_MS


@pytest.mark.parametrize("key, name", [
    (b"lead-scoring", "lead-scoring"), (b"m.v2_x", "m.v2_x"), (b"a" * 128, "a" * 128),
    (None, None), (b"", None), (b"a" * 129, None), (b"\xff\xfe", None), (b"../etc", None),
    (b"lead scoring", None), (b"x" * 700_000, None), ("é".encode(), None),
])
def test_a_model_topic_key_is_used_only_when_it_is_a_safe_model_name(key, name):
    assert model_key(key) == name


class Topic:
    def __init__(self) -> None:
        self.sent: list[tuple] = []

    def get_topic_name(self) -> str:
        return "models.alerts"

    async def send(self, key=None, value=None, headers=None):
        self.sent.append((key, value, headers))


def test_send_checks_the_size_before_anything_is_sent():
    topic = Topic()
    headers = [("h", b"x" * 10)]
    fits = 1000 - record_size(b"k", b"", headers)
    asyncio.run(send(topic, b"k", b"v" * fits, 1000, headers))
    assert topic.sent == [(b"k", b"v" * fits, headers)]
    with pytest.raises(RecordTooLarge, match=r"models\.alerts record of 1001 bytes"):
        asyncio.run(send(topic, b"k", b"v" * (fits + 1), 1000, headers))
    assert len(topic.sent) == 1
