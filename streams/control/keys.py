"""Key files of control-plane signing, and the signers and key tables built from settings.

``leadstream keys new NAME`` writes ``NAME.key`` (private, PEM PKCS8, 0600) and
``NAME.pub`` (public, PEM) and prints the allow-list line (:mod:`scoring.control.key_table`).
Existing files are never overwritten. The operator's CLI signs requests as
``operator_key_name`` (default: the key file's stem); the agents sign as
:data:`CONTROLLER_NAME`; verification is :func:`scoring.control.signing.verify`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from scoring.control.key_table import NAME, BadKeyTable, allowlist_line, parse_key_table
from scoring.control.signing import sign
from streams.settings import Settings

CONTROLLER_NAME = "controller"
"""The name the agents sign as (models.control records, guardrail rollback events)."""


@dataclass(frozen=True)
class KeyPair:
    private_path: Path
    public_path: Path
    allowlist_line: str


def _create(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def new_key_pair(directory: Path, name: str) -> KeyPair:
    """A fresh Ed25519 key pair under ``directory``; refuses to overwrite either file
    (:class:`FileExistsError`, naming it)."""
    if not NAME.fullmatch(name):
        raise BadKeyTable(f"key name {name[:40]!r}: letters, digits, _ . - (max 128)")
    private_path, public_path = directory / f"{name}.key", directory / f"{name}.pub"
    for path in (private_path, public_path):
        if path.exists():
            raise FileExistsError(f"{path} exists; refusing to overwrite a key")
    directory.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    _create(private_path, key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()),
            0o600)
    public = key.public_key()
    _create(public_path, public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo),
            0o644)
    return KeyPair(private_path, public_path, allowlist_line(name, public))


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise BadKeyTable(f"cannot read the private key {path}: {type(exc).__name__}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise BadKeyTable(f"{path} is not an Ed25519 private key")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    try:
        key = load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise BadKeyTable(f"cannot read the public key {path}: {type(exc).__name__}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise BadKeyTable(f"{path} is not an Ed25519 public key")
    return key


@dataclass(frozen=True)
class Signer:
    name: str
    key: Ed25519PrivateKey

    def headers(self, topic: str, key: bytes | None, value: bytes) -> list[tuple[str, bytes]]:
        return sign(self.key, self.name, topic, key, value, time.time_ns() // 1_000_000)


def _required(settings: Settings, path: Path | None, what: str) -> Path | None:
    if path is None and settings.control_signing == "required":
        raise BadKeyTable(f"control_signing is required but {what} is not set")
    return path


def operator_signer(settings: Settings) -> Signer | None:
    """The CLI's signer (None when no operator key is configured and signing is off)."""
    path = _required(settings, settings.operator_key_path, "LEADSTREAM_OPERATOR_KEY_PATH")
    if path is None:
        return None
    return Signer(settings.operator_key_name or path.stem, load_private(path))


def controller_signer(settings: Settings) -> Signer | None:
    path = _required(settings, settings.controller_key_path, "LEADSTREAM_CONTROLLER_KEY_PATH")
    return None if path is None else Signer(CONTROLLER_NAME, load_private(path))


def controller_keys(settings: Settings) -> dict[str, Ed25519PublicKey] | None:
    """What models.control records must be signed with (None: signing is off)."""
    if settings.control_signing == "off":
        return None
    path = _required(settings, settings.controller_public_key_path,
                     "LEADSTREAM_CONTROLLER_PUBLIC_KEY_PATH")
    assert path is not None
    return {CONTROLLER_NAME: load_public(path)}


def request_keys(settings: Settings) -> dict[str, Ed25519PublicKey] | None:
    """Who may sign control requests: the allow-list, plus the agents' own key."""
    if settings.control_signing == "off":
        return None
    path = _required(settings, settings.control_allowlist_path, "LEADSTREAM_CONTROL_ALLOWLIST_PATH")
    assert path is not None
    try:
        keys = parse_key_table(path.read_text(), str(path))
    except OSError as exc:
        raise BadKeyTable(f"cannot read the allow-list {path}: {exc}") from exc
    own = controller_keys(settings)
    return {**keys, **(own or {})}


def window_ms(settings: Settings) -> int:
    return int(settings.control_signature_window_s * 1000)


SIGNING_OFF_WARNING = ("control-plane signing is off: anybody who may write "
                       "models.control.requests or models.control is trusted, and actor is "
                       "self-declared (set LEADSTREAM_CONTROL_SIGNING=required)")
