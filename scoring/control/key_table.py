"""The allow-list of signing keys: a TOML file of ``name = "<base64 of the raw key>"``.

One line per operator, e.g. ``alice = "q6Zb...="`` (the 32 raw bytes of an Ed25519 public
key, standard base64); ``#`` starts a comment. Rotation is an edit of this file: add the
new key's line, restart the agents, remove the old one. :func:`parse_key_table` refuses a
file that is not TOML, a value that is no key and a name that is not one path-safe word, so
a typo stops the agents at start instead of silently trusting nobody (or somebody else).
"""

from __future__ import annotations

import base64
import binascii
import re
import tomllib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from schemas.errors import FatalError

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


class BadKeyTable(FatalError):
    """The allow-list (or a key in it) cannot be used."""


def raw_b64(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def allowlist_line(name: str, public: Ed25519PublicKey) -> str:
    """The line to add to the allow-list for ``name``."""
    return f'{name} = "{raw_b64(public)}"'


def public_from_b64(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise BadKeyTable(f"not a base64 Ed25519 public key ({exc})") from exc


def parse_key_table(text: str, where: str = "the allow-list") -> dict[str, Ed25519PublicKey]:
    """name -> public key, from the allow-list's text."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadKeyTable(f"{where} is not TOML: {exc}") from exc
    keys: dict[str, Ed25519PublicKey] = {}
    for name, value in table.items():
        if not NAME.fullmatch(name) or not isinstance(value, str):
            raise BadKeyTable(f"{where}: entry {name[:40]!r} must be name = \"<base64 key>\"")
        try:
            keys[name] = public_from_b64(value)
        except BadKeyTable as exc:
            raise BadKeyTable(f"{where}: {name}: {exc}") from exc
    return keys
