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


def key_b64(key: bytes | None, limit: int = 1024) -> str | None:
    """A record's key (its first ``limit`` bytes), base64; None without a key."""
    return None if key is None else base64.b64encode(key[:limit]).decode("ascii")
