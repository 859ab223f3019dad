"""Whole hostile Kafka records: key, value, headers, timestamp type and value are all input.

:func:`whole_records` wraps a topic's value strategy (:mod:`tests.strategies.leads`,
:func:`near_valid_document`, ...) into :class:`WholeRecord` — a key of any bytes, none, or
as large as the broker takes (a 700,000-byte key beside a 290 KB value was the poison pill
of issue 15), headers (many, large, repeated names, no value), a timestamp of any type
(none, create, log-append) and any int64 value — and turns it into what each consumer
reads: a :class:`confluent_kafka.Message` (scorer, sink) or a faust event (agents).

Large keys, values and headers are drawn as a short seed repeated to a drawn length, so a
megabyte costs Hypothesis a few bytes of choice data. Every strategy is built once (cached):
:func:`whole_records` draws from them per example, and a strategy built per draw costs
Hypothesis more (its properties are computed anew) than the draw itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace

from confluent_kafka import Message
from faust.types.tuples import Message as FaustMessage
from hypothesis import strategies as st

from scoring.control.signing import SIGNATURE, SIGNED_AT, SIGNER
from tests.strategies.hostile import EDGE_VALUE, json_object

__all__ = [
    "BROKER_MAX_BYTES",
    "WholeRecord",
    "big_json",
    "near_valid_document",
    "record_headers",
    "record_keys",
    "timestamps",
    "whole_records",
]

BROKER_MAX_BYTES = 1_048_576
"""The most a record may hold that a broker with default limits accepts (key + value +
headers, uncompressed: the broker's ``message.max.bytes`` is 1,048,588 per batch)."""
NOW_MS = 1_796_000_000_000
INT64 = (-(2**63), 2**63 - 1)

TIMESTAMP_TYPES = (0, 1, 2)
"""librdkafka's: not available, create time (the producer's), log-append time (the broker's)."""
TIMESTAMP_EDGES = (-1, 0, 1, INT64[0], INT64[1], NOW_MS, NOW_MS + 301_000, NOW_MS - 3_600_000,
                   NOW_MS - 8 * 86_400_000, 253_402_300_800_000, -62_135_596_800_000,
                   2**53 + 1, -(2**53))


def _stretched(seed: bytes, size: int) -> bytes:
    return (seed * (size // len(seed) + 1))[:size]


@lru_cache(maxsize=8)
def stretched_bytes(max_size: int) -> st.SearchStrategy[bytes]:
    """Bytes of any length up to ``max_size``: a drawn seed repeated."""
    sizes = st.one_of(st.integers(0, max_size), st.sampled_from(
        [s for s in (1023, 1024, 1025, 700_000, max_size) if s <= max_size]))
    return st.builds(_stretched, st.binary(min_size=1, max_size=16), sizes)


@lru_cache(maxsize=1)
def record_keys() -> st.SearchStrategy[bytes | None]:
    """Keys: none, empty, short (lead-id-like or any bytes), or up to the broker's limit."""
    return st.one_of(st.none(), st.just(b""), st.binary(max_size=40),
                     st.text(max_size=30).map(lambda t: t.encode("utf-8", "surrogatepass")),
                     stretched_bytes(BROKER_MAX_BYTES))


_HEADER_NAMES = st.one_of(st.sampled_from(["a", "A", "", SIGNER, SIGNED_AT, SIGNATURE,
                                           "traceparent", "é" * 40]), st.text(max_size=30))
_HEADER_VALUES = st.one_of(st.none(), st.binary(max_size=64), stretched_bytes(60_000),
                           st.sampled_from([b"", b"alice", b"1796000000000", b"\x00" * 64]))
_HEADER = st.tuples(_HEADER_NAMES, _HEADER_VALUES)


@lru_cache(maxsize=1)
def record_headers() -> st.SearchStrategy[list[tuple[str, bytes | None]] | None]:
    """Headers: none, a few (names repeated), or many copies of one (up to 2,000)."""
    small = st.tuples(_HEADER_NAMES, st.one_of(st.none(), st.binary(max_size=64)))
    return st.one_of(st.none(), st.lists(_HEADER, max_size=12),
                     st.builds(lambda h, n: [h] * n, small, st.integers(0, 2000)))


@lru_cache(maxsize=1)
def timestamps() -> st.SearchStrategy[tuple[int, int]]:
    """(type, ms): any type with an edge or any int64 value."""
    values = st.one_of(st.sampled_from(TIMESTAMP_EDGES), st.integers(*INT64),
                       st.integers(NOW_MS - 10**9, NOW_MS + 10**9))
    return st.tuples(st.sampled_from(TIMESTAMP_TYPES), values)


@lru_cache(maxsize=8)
def big_json(field: str = "notes") -> st.SearchStrategy[bytes]:
    """A JSON object with one string field as large as the broker allows."""
    def doc(lead: str, n: int) -> bytes:
        return json.dumps({"lead_id": lead, field: "n" * n}).encode()
    return st.builds(doc, st.text(max_size=8),
                     st.one_of(st.integers(0, BROKER_MAX_BYTES - 64),
                               st.sampled_from([290_000, 700_000])))


@st.composite
def near_valid_document(draw: st.DrawFn, valid: dict) -> bytes:
    """``valid`` (a JSON object of any contract) with some fields replaced by edge values,
    dropped, duplicated or added (:func:`tests.strategies.hostile.json_object`)."""
    fields = {k: json.dumps(v) for k, v in valid.items()}
    for name in draw(_replaced(tuple(sorted(fields)))):
        fields[name] = draw(EDGE_VALUE)
    return json_object(draw, fields)


@lru_cache(maxsize=16)
def _replaced(names: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(names), max_size=3, unique=True)


@dataclass(frozen=True)
class WholeRecord:
    """One consumed record, every part of it drawn."""

    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]] | None
    timestamp_type: int
    timestamp_ms: int

    def message(self, topic: str, partition: int, offset: int) -> Message:
        """As confluent-kafka hands it to the scorer and the sink."""
        return Message(topic=topic, partition=partition, offset=offset, key=self.key,
                       value=self.value, headers=self.headers,
                       timestamp=(self.timestamp_type, self.timestamp_ms))

    def faust_event(self, topic: str, partition: int, offset: int) -> SimpleNamespace:
        """As faust (aiokafka, raw serializers) hands it to an agent: a real faust
        ``Message`` (timestamp in seconds, None without one) under an event."""
        ts = None if self.timestamp_type == 0 else self.timestamp_ms / 1000.0
        msg = FaustMessage(topic, partition, offset, ts, max(0, self.timestamp_type - 1),
                           self.headers, self.key, self.value, None)
        return SimpleNamespace(key=self.key, value=self.value, headers=self.headers,
                               message=msg)


def _size(headers: list[tuple[str, bytes | None]]) -> int:
    return sum(len(n.encode("utf-8", "surrogatepass")) + len(v or b"") for n, v in headers)


def _fitting(headers: list[tuple[str, bytes | None]], room: int
             ) -> list[tuple[str, bytes | None]]:
    """The longest first part of ``headers`` within ``room`` bytes (one pass: 2,000 headers
    cut one at a time cost a quarter of a guard target's time)."""
    total = 0
    for i, header in enumerate(headers):
        total += _size([header])
        if total > room:
            return headers[:i]
    return headers


@st.composite
def whole_records(draw: st.DrawFn, values: st.SearchStrategy[bytes | None]) -> WholeRecord:
    """A record of ``values`` with a hostile key, headers and timestamp; key, value and
    headers together stay within what the broker accepts (the key is cut to fit)."""
    value = draw(values)
    headers = draw(record_headers())
    room = BROKER_MAX_BYTES - len(value or b"")
    if headers:
        headers = _fitting(headers, room)
    key = draw(record_keys())
    room -= _size(headers or [])
    if key is not None and len(key) > max(0, room):
        key = key[:max(0, room)]
    ts_type, ts = draw(timestamps())
    return WholeRecord(key, value, headers, ts_type, ts)
