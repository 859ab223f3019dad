"""The audit trail names an erased lead by the SHA-256 of its id, never by the id."""

from __future__ import annotations

import hashlib

from schemas.privacy import lead_digest


def test_the_digest_is_sha256_of_the_ids_utf8_bytes():
    # FIPS 180-2 test vector for "abc"; "é" is the two UTF-8 bytes c3 a9
    assert lead_digest("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    assert lead_digest("é") == hashlib.sha256(b"\xc3\xa9").hexdigest()
