"""What a produced record may weigh: the one size check, and dead letters that always fit.

Every record a leadstream process produces (the scorer's transaction, its failed events' dead
letters, the agents' outputs and dead letters, the sink's dead letters) first passes
:func:`check_record`: key, value and headers as the producer counts them, against
``message.max.bytes``. A consumed record's key is input like its value (any bytes, up to
the broker's limit): a dead letter is keyed by its first 1 KB
(:func:`schemas.payload.capped_key`) and carries the whole key's size and SHA-256, and a
letter still over the limit goes without the rejected bytes (:func:`letter_record`).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from schemas.errors import LeadstreamError
from schemas.leads import DeadLetter
from schemas.payload import capped_key, key_fields
from streams.kafka.io import MAX_RECORD_BYTES, OutRecord

RECORD_OVERHEAD_BYTES = 128
"""What the producers add to key, value and headers when they check a record's size,
rounded up: librdkafka (the scorer, the sink) 36 bytes, aiokafka (the agents) a record
batch's header and a record's overhead, about 90 bytes."""
HEADER_OVERHEAD_BYTES = 10
"""Per header, besides its name and value: their two length varints."""


class RecordTooLarge(LeadstreamError):
    """A record to produce is over the producer's size limit: producing it would fail (in
    the scorer's transaction, fatally, on every retry). The item it came from is
    dead-lettered instead, in a dead letter that fits."""


def record_size(key: bytes | None, value: bytes | None,
                headers: Sequence[tuple[str, bytes | None]] | None = None) -> int:
    """A record's size as the producer counts it against ``message.max.bytes``."""
    size = RECORD_OVERHEAD_BYTES + len(key or b"") + len(value or b"")
    for name, header in headers or ():
        size += HEADER_OVERHEAD_BYTES + len(name.encode("utf-8", "surrogatepass"))
        size += len(header or b"")
    return size


def check_record(topic: str, key: bytes | None, value: bytes | None, limit: int,
                 headers: Sequence[tuple[str, bytes | None]] | None = None) -> None:
    """The one size check before any produce: :class:`RecordTooLarge` if the record is
    over ``limit`` bytes (``message.max.bytes``)."""
    size = record_size(key, value, headers)
    if size > limit:
        raise RecordTooLarge(f"a {topic} record of {size} bytes is over the producer's "
                             f"limit of {limit}")


def check_sizes(records: Sequence[OutRecord], limit: int) -> None:
    """:func:`check_record` for each of ``records``."""
    for rec in records:
        check_record(rec.topic, rec.key, rec.value, limit)


def dead_letter_record(topic: str, letter: DeadLetter, key: bytes | None,
                       limit: int = MAX_RECORD_BYTES) -> OutRecord:
    """The ``leads.deadletter`` record of ``letter``; ``key`` is the rejected record's (any
    size): the letter holds its size and SHA-256 (:func:`letter_record` does the rest)."""
    return letter_record(topic, letter.model_copy(update=key_fields(key)), key, limit)


def letter_record(topic: str, letter: BaseModel, key: bytes | None, limit: int) -> OutRecord:
    """The record of any dead letter, keyed by the first 1 KB of the rejected record's
    ``key``, checked by :func:`check_record`. A letter over ``limit`` goes without the
    rejected bytes and field errors (``payload_truncated``; size and SHA-256 stay):
    :class:`RecordTooLarge` only if even that is over ``limit``."""
    kept = capped_key(key)
    value = type(letter).__pydantic_serializer__.to_json(letter)
    fields = type(letter).model_fields
    if record_size(kept, value) > limit and "payload_b64" in fields:
        bare = {"payload_b64": "", "payload_truncated": True}
        if "errors" in fields:
            bare["errors"] = []
        value = type(letter).__pydantic_serializer__.to_json(letter.model_copy(update=bare))
    check_record(topic, kept, value, limit)
    return OutRecord(topic, kept, value)
