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


def test_a_key_with_a_stray_character_is_refused_not_read_around() -> None:
    good = base64.b64encode(raw(Ed25519PrivateKey.generate())).decode()
    with pytest.raises(BadKeyTable) as err:
        parse_key_table(f'alice = "{good[:10]}*{good[10:]}"')
    assert str(err.value).startswith(
        "the allow-list: alice: not a base64 Ed25519 public key (")


def test_a_bad_name_is_quoted_up_to_40_characters_in_the_file_named() -> None:
    name = "a" * 39 + "!bcdef"
    with pytest.raises(BadKeyTable) as err:
        parse_key_table(f'"{name}" = "AAAA"', "keys.toml")
    assert str(err.value) == (
        f"keys.toml: entry {name[:40]!r} must be name = \"<base64 key>\"")
    with pytest.raises(BadKeyTable) as err:
        parse_key_table("alice = 3")
    assert str(err.value) == "the allow-list: entry 'alice' must be name = \"<base64 key>\""
