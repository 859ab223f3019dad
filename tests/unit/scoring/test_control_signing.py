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


def by_hand(signer: str, at_ms: int, key: bytes | None = KEY) -> list[tuple[str, bytes]]:
    """Headers signed by alice over the documented layout (an absent key is empty bytes)."""
    def part(b: bytes) -> bytes:
        return len(b).to_bytes(8, "big") + b
    message = b"leadstream-control-signature-v1" + b"".join(
        part(p) for p in (TOPIC.encode(), key or b"", signer.encode(), str(at_ms).encode(),
                          VALUE))
    return [(SIGNER, signer.encode()), (SIGNED_AT, str(at_ms).encode()),
            (SIGNATURE, ALICE.sign(message))]


def test_a_record_without_a_key_signs_an_empty_key() -> None:
    assert isinstance(check(by_hand("alice", NOW, key=None), key=None), Signed)
    assert isinstance(check(by_hand("alice", NOW, key=None), key=b""), Signed)


def test_other_headers_around_the_signature_are_ignored() -> None:
    good = sign(ALICE, "alice", TOPIC, KEY, VALUE, NOW)
    assert isinstance(check([("traceparent", b"00-ab"), good[0], ("x", None), *good[1:]]),
                      Signed)


def test_signer_names_of_1_to_128_printable_characters_are_accepted() -> None:
    for name in ("a", "n" * 128):
        keys = {name: ALICE.public_key()}
        got = verify(TOPIC, KEY, VALUE, by_hand(name, NOW), keys, NOW, WINDOW)
        assert isinstance(got, Signed) and got.signer == name


def test_signing_times_of_up_to_15_digits_are_accepted() -> None:
    at = 10**14  # 15 digits
    assert check(by_hand("alice", at), window=None) == Signed(
        "alice", at, hashlib.sha256(by_hand("alice", at)[2][1]).hexdigest())


def refusal(headers, **kw) -> tuple[Refusal, str]:
    result = check(headers, **kw)
    assert isinstance(result, Refused), result
    return result.reason, result.message


def test_each_refusal_says_what_is_wrong_without_secrets() -> None:
    good = by_hand("alice", NOW)
    malformed = Refusal.MALFORMED
    cases = [
        (None, Refusal.UNSIGNED, "the record carries no signature"),
        (good[:2], malformed, "the signature headers are incomplete"),
        ([*good, good[0]], malformed, "header leadstream-signer repeated or empty"),
        ([(SIGNER, b"\xff\xfe"), *good[1:]], malformed, "signer or signing time is not text"),
        ([(SIGNER, b""), *good[1:]], malformed,
         "the signer name is empty, too long or not printable"),
        ([(SIGNER, b"n" * 129), *good[1:]], malformed,
         "the signer name is empty, too long or not printable"),
        ([(SIGNER, b"al\nice"), *good[1:]], malformed,
         "the signer name is empty, too long or not printable"),
        ([good[0], (SIGNED_AT, b"17a"), good[2]], malformed,
         "the signing time or the signature is malformed"),
        (by_hand("alice", 10**15), malformed,  # 16 digits
         "the signing time or the signature is malformed"),
        ([*good[:2], (SIGNATURE, good[2][1][:63])], malformed,
         "the signing time or the signature is malformed"),
        (sign(MALLORY, "mallory", TOPIC, KEY, VALUE, NOW), Refusal.UNKNOWN_KEY,
         "signed as 'mallory', a name not in the key list"),
        (sign(MALLORY, "alice", TOPIC, KEY, VALUE, NOW), Refusal.BAD_SIGNATURE,
         "the signature of 'alice' does not match this topic, key and value"),
    ]
    for headers, why, message in cases:
        assert refusal(headers) == (why, message), headers


def test_age_refusals_give_the_age_and_the_window_in_seconds() -> None:
    hour = 3_600_000
    assert refusal(by_hand("alice", NOW - 2 * hour), window=hour) == (
        Refusal.TOO_OLD, "signed by 'alice' 7200 s ago, older than the 3600 s window")
    assert refusal(by_hand("alice", NOW + 2 * hour), window=hour) == (
        Refusal.FUTURE, "signed by 'alice' 7200 s in the future, beyond the window")
