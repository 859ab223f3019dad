"""What a dead letter keeps of the bytes it could not use: one helper for every dead letter.

Both ``leads.deadletter`` (:class:`schemas.leads.DeadLetter`) and the agents'
``<topic>.deadletter`` (:class:`schemas.deadletters.RecordDeadLetter`) carry the same
payload fields, filled by :func:`payload_fields` under a :class:`PayloadPolicy`
(``LEADSTREAM_DEADLETTER_PAYLOAD``):

- ``original``: the bytes (base64) up to a limit, beyond it their first ``limit`` bytes;
- ``hash``: no bytes at all (``payload_b64`` is empty), only the size and the SHA-256 —
  a dead letter then holds no lead attribute, and the CRM can still match it to what it
  sent by hashing its own copy.

Either way ``payload_size`` is the whole value's size and ``payload_sha256`` its digest.

The rejected record's key is input too (any bytes, up to the broker's limit): a dead letter
is produced with the key cut to :data:`KEY_KEPT_BYTES` (:func:`capped_key`) and carries the
whole key's size and SHA-256 (:func:`key_fields`), so a huge key can never make its dead
letter too large to produce.
"""

from __future__ import annotations

import base64
import hashlib
from enum import StrEnum
from typing import Any


class PayloadPolicy(StrEnum):
    """How much of a rejected record's bytes a dead letter keeps."""

    ORIGINAL = "original"
    HASH = "hash"


def payload_fields(raw: bytes, limit: int,
                   policy: PayloadPolicy = PayloadPolicy.ORIGINAL) -> dict[str, Any]:
    """The payload fields of a dead letter of ``raw`` (see the module docstring)."""
    digest = hashlib.sha256(raw).hexdigest()
    if policy is PayloadPolicy.HASH:
        return {"payload_b64": "", "payload_size": len(raw), "payload_sha256": digest,
                "payload_truncated": False, "payload_policy": policy}
    return {"payload_b64": base64.b64encode(raw[:limit]).decode("ascii"),
            "payload_size": len(raw), "payload_sha256": digest,
            "payload_truncated": len(raw) > limit, "payload_policy": policy}


KEY_KEPT_BYTES = 1024
"""A dead letter's own Kafka key (and ``key_b64``) keeps this much of the rejected key."""


def capped_key(key: bytes | None) -> bytes | None:
    """The Kafka key of a dead letter of a record keyed ``key``: its first 1 KB."""
    return None if key is None else key[:KEY_KEPT_BYTES]


def key_fields(key: bytes | None) -> dict[str, Any]:
    """The whole key's size and SHA-256 (hex) for a dead letter; None without a key."""
    if key is None:
        return {"key_size": None, "key_sha256": None}
    return {"key_size": len(key), "key_sha256": hashlib.sha256(key).hexdigest()}


def key_b64(key: bytes | None) -> str | None:
    """A record's key (its first 1 KB, :func:`capped_key`), base64; None without a key."""
    capped = capped_key(key)
    return None if capped is None else base64.b64encode(capped).decode("ascii")
