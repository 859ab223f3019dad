"""Ed25519 signatures of control-plane records, carried in three Kafka headers.

A signature covers the topic, the key, the signer's name, the signing time and the exact
value bytes (each length-prefixed, after a version tag), so a signed record cannot be moved
to another topic or model, re-attributed, back-dated or edited without :func:`verify`
refusing it; stripping the headers leaves an unsigned record, refused where signing is
required. The value stays the plain contract (``ControlRequest``, ``ServingConfig``): every
reader, schema and compaction rule is unchanged.

Headers: ``leadstream-signer`` (name, UTF-8), ``leadstream-signed-at`` (epoch ms, ASCII
digits), ``leadstream-signature`` (64 raw bytes). :func:`verify` is pure: given the record,
a key table (name -> public key) and the clock it returns :class:`Signed` (the verified
name and a replay id) or :class:`Refused` (a stable reason and a message without secrets).
Replays are refused by the caller, which remembers :attr:`Signed.replay_id` (every copy of
one signed record carries the same signature).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNER = "leadstream-signer"
SIGNED_AT = "leadstream-signed-at"
SIGNATURE = "leadstream-signature"
_TAG = b"leadstream-control-signature-v1"
MAX_NAME = 128

Headers = Mapping[str, bytes | None] | Sequence[tuple[str, bytes | None]] | None


class Refusal(StrEnum):
    """Why a record's signature was not accepted (stable codes: metrics, alerts, letters)."""

    UNSIGNED = "unsigned"
    MALFORMED = "malformed_signature"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    TOO_OLD = "too_old"
    FUTURE = "signed_in_the_future"
    REPLAYED = "replayed"


@dataclass(frozen=True)
class Signed:
    signer: str
    signed_at_ms: int
    replay_id: str
    """sha256 of the signature (hex): the same for every copy of this signed record."""


@dataclass(frozen=True)
class Refused:
    reason: Refusal
    message: str


def signed_bytes(topic: str, key: bytes | None, value: bytes, signer: str,
                 signed_at_ms: int) -> bytes:
    """The exact bytes an Ed25519 signature covers."""
    parts = (topic.encode(), key or b"", signer.encode(), str(signed_at_ms).encode(), value)
    return _TAG + b"".join(len(p).to_bytes(8, "big") + p for p in parts)


def sign(private_key: Ed25519PrivateKey, signer: str, topic: str, key: bytes | None,
         value: bytes, now_ms: int) -> list[tuple[str, bytes]]:
    """The three headers that sign ``value`` on ``topic`` under ``key`` as ``signer``."""
    signature = private_key.sign(signed_bytes(topic, key, value, signer, now_ms))
    return [(SIGNER, signer.encode()), (SIGNED_AT, str(now_ms).encode()),
            (SIGNATURE, signature)]


def _fields(headers: Headers) -> dict[str, bytes] | Refused:
    """Our three headers, once each; absent, repeated or non-bytes ones are refusals."""
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers or ())
    ours: dict[str, bytes] = {}
    for name, raw in pairs:
        if name not in (SIGNER, SIGNED_AT, SIGNATURE):
            continue
        if name in ours or not isinstance(raw, bytes):
            return Refused(Refusal.MALFORMED, f"header {name} repeated or empty")
        ours[name] = raw
    if not ours:
        return Refused(Refusal.UNSIGNED, "the record carries no signature")
    if len(ours) < 3:
        return Refused(Refusal.MALFORMED, "the signature headers are incomplete")
    return ours


def _parsed(fields: dict[str, bytes]) -> tuple[str, int, bytes] | Refused:
    try:
        signer = fields[SIGNER].decode()
        at_text = fields[SIGNED_AT].decode("ascii")
    except UnicodeDecodeError:
        return Refused(Refusal.MALFORMED, "signer or signing time is not text")
    if not 0 < len(signer) <= MAX_NAME or not signer.isprintable():
        return Refused(Refusal.MALFORMED, "the signer name is empty, too long or not printable")
    if not (at_text.isdigit() and len(at_text) <= 15) or len(fields[SIGNATURE]) != 64:
        return Refused(Refusal.MALFORMED, "the signing time or the signature is malformed")
    return signer, int(at_text), fields[SIGNATURE]


def _age_refusal(signer: str, at_ms: int, now_ms: int, window_ms: int) -> Refused | None:
    if at_ms < now_ms - window_ms:
        return Refused(Refusal.TOO_OLD, f"signed by {signer!r} {(now_ms - at_ms) / 1000:.0f} s "
                                        f"ago, older than the {window_ms / 1000:.0f} s window")
    if at_ms > now_ms + window_ms:
        return Refused(Refusal.FUTURE, f"signed by {signer!r} {(at_ms - now_ms) / 1000:.0f} s "
                                       "in the future, beyond the window")
    return None


def verify(topic: str, key: bytes | None, value: bytes | None, headers: Headers,
           keys: Mapping[str, Ed25519PublicKey], now_ms: int,
           window_ms: int | None) -> Signed | Refused:
    """Who signed this record, or why it is refused (never raises on hostile input).

    ``window_ms`` None checks no age (records of a compacted topic stay valid)."""
    fields = _fields(headers)
    if isinstance(fields, Refused):
        return fields
    parsed = _parsed(fields)
    if isinstance(parsed, Refused):
        return parsed
    signer, at_ms, signature = parsed
    public = keys.get(signer)
    if public is None:
        return Refused(Refusal.UNKNOWN_KEY, f"signed as {signer!r}, a name not in the key list")
    try:
        public.verify(signature, signed_bytes(topic, key, value or b"", signer, at_ms))
    except InvalidSignature:
        return Refused(Refusal.BAD_SIGNATURE,
                       f"the signature of {signer!r} does not match this topic, key and value")
    late = None if window_ms is None else _age_refusal(signer, at_ms, now_ms, window_ms)
    if late is not None:
        return late
    return Signed(signer, at_ms, hashlib.sha256(signature).hexdigest())
