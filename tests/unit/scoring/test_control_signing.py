"""Ed25519 signatures of control records: who signed, or exactly why not (never a crash).

Expectations are explicit: a signature made here with ``cryptography`` directly (not with
:func:`sign`) over the documented byte layout verifies; every change of topic, key, value,
signer or time is refused with its own reason.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from scoring.control.signing import (
    SIGNATURE,
    SIGNED_AT,
    SIGNER,
    Refusal,
    Refused,
    Signed,
    sign,
    verify,
)
from tests.strategies.signing import header_lists

ALICE, MALLORY = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
KEYS = {"alice": ALICE.public_key()}
NOW, WINDOW = 1_700_000_000_000, 300_000
TOPIC, KEY, VALUE = "models.control.requests", b"m", b'{"request_id":"r1"}'


def check(headers, topic=TOPIC, key=KEY, value=VALUE, now=NOW, window=WINDOW):
    return verify(topic, key, value, headers, KEYS, now, window)


def test_a_signature_over_the_documented_bytes_verifies_and_names_the_signer() -> None:
    def part(b: bytes) -> bytes:
        return len(b).to_bytes(8, "big") + b
    message = b"leadstream-control-signature-v1" + b"".join(
        part(p) for p in (TOPIC.encode(), KEY, b"alice", str(NOW).encode(), VALUE))
    signature = ALICE.sign(message)
    headers = [(SIGNER, b"alice"), (SIGNED_AT, str(NOW).encode()), (SIGNATURE, signature)]
    assert check(headers) == Signed("alice", NOW, hashlib.sha256(signature).hexdigest())
    assert sign(ALICE, "alice", TOPIC, KEY, VALUE, NOW) == headers  # Ed25519 is deterministic


def test_a_mapping_of_headers_works_too() -> None:
    assert isinstance(check(dict(sign(ALICE, "alice", TOPIC, KEY, VALUE, NOW))), Signed)


def reason(result) -> Refusal:
    assert isinstance(result, Refused), result
    return result.reason


def test_every_way_of_breaking_a_signature_is_refused_with_its_reason() -> None:
    good = sign(ALICE, "alice", TOPIC, KEY, VALUE, NOW)
    assert reason(check(None)) is Refusal.UNSIGNED
    assert reason(check([("other", b"x")])) is Refusal.UNSIGNED
    assert reason(check(good[:2])) is Refusal.MALFORMED
    assert reason(check([*good, (SIGNER, b"alice")])) is Refusal.MALFORMED
    assert reason(check(sign(MALLORY, "mallory", TOPIC, KEY, VALUE, NOW))) is Refusal.UNKNOWN_KEY
    assert reason(check(sign(MALLORY, "alice", TOPIC, KEY, VALUE, NOW))) is Refusal.BAD_SIGNATURE
    assert reason(check(good, value=VALUE.replace(b"r1", b"r2"))) is Refusal.BAD_SIGNATURE
    assert reason(check(good, topic="models.control")) is Refusal.BAD_SIGNATURE
    assert reason(check(good, key=b"other-model")) is Refusal.BAD_SIGNATURE
    later = [good[0], (SIGNED_AT, str(NOW + 1).encode()), good[2]]
    assert reason(check(later)) is Refusal.BAD_SIGNATURE


def test_the_window_bounds_age_both_ways_and_none_means_no_limit() -> None:
    good = sign(ALICE, "alice", TOPIC, KEY, VALUE, NOW)
    assert isinstance(check(good, now=NOW + WINDOW), Signed)
    assert reason(check(good, now=NOW + WINDOW + 1)) is Refusal.TOO_OLD
    assert isinstance(check(good, now=NOW - WINDOW), Signed)
    assert reason(check(good, now=NOW - WINDOW - 1)) is Refusal.FUTURE
    assert isinstance(check(good, now=NOW + 10**12, window=None), Signed)


def test_copies_share_a_replay_id_and_a_new_signature_has_its_own() -> None:
    first = check(sign(ALICE, "alice", TOPIC, KEY, VALUE, NOW))
    again = check(sign(ALICE, "alice", TOPIC, KEY, VALUE, NOW))
    later = check(sign(ALICE, "alice", TOPIC, KEY, VALUE, NOW + 1))
    assert first.replay_id == again.replay_id != later.replay_id


@given(header_lists(), st.binary(max_size=200), st.none() | st.binary(max_size=40))
def test_hostile_headers_and_values_are_refused_never_a_crash(headers, value, key) -> None:
    result = verify(TOPIC, key, value, headers, KEYS, NOW, WINDOW)
    assert isinstance(result, Refused)  # nobody but alice can make a valid signature
    assert result.reason is not Refusal.REPLAYED


@given(st.binary(max_size=200), st.binary(max_size=200))
def test_a_signature_never_covers_other_value_bytes(value, other) -> None:
    headers = sign(ALICE, "alice", TOPIC, KEY, value, NOW)
    result = check(headers, value=other)
    assert isinstance(result, Signed) == (value == other)
