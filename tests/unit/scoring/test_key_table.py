"""The allow-list: ``name = "<base64 raw key>"``, strict about everything else."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from scoring.control.key_table import BadKeyTable, allowlist_line, parse_key_table


def raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def test_lines_round_trip_to_the_same_raw_keys() -> None:
    a, b = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    text = "# operators\n" + allowlist_line("alice", a.public_key()) + "\n" \
        + f'bob = "{base64.b64encode(raw(b)).decode()}"\n'
    table = parse_key_table(text)
    assert sorted(table) == ["alice", "bob"]
    assert table["alice"].public_bytes(Encoding.Raw, PublicFormat.Raw) == raw(a)
    assert table["bob"].public_bytes(Encoding.Raw, PublicFormat.Raw) == raw(b)


@pytest.mark.parametrize("text", ['alice = "not base64!"', 'alice = "AAAA"', "alice = 3",
                                  '"a b" = "AAAA"', "alice = ", "[x]\ny = 1"])
def test_a_bad_entry_stops_with_a_clear_error(text: str) -> None:
    with pytest.raises(BadKeyTable, match="allow-list"):
        parse_key_table(text)
