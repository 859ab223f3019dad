"""Control-plane signing: shared by the agents (which verify requests and sign
``models.control``), the scorers and ``status`` (which verify it) and the CLI (which signs)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from streams.settings.part import SettingsPart


class SigningSettings(SettingsPart):
    """Ed25519 signatures in Kafka headers (:mod:`scoring.control.signing`)."""

    # ``required``: the controller applies only requests signed by a key of the allow-list,
    # and scorers, ``status`` and the agents apply only models.control records the
    # controller signed.
    control_signing: Literal["off", "required"] = "off"
    """``off`` (plain demo: anybody who may write the control topics is trusted, one warning
    line at start) or ``required`` (secured stack default)."""
    control_allowlist_path: Path | None = None
    """The agents' allow-list of operator public keys: TOML, ``name = "<base64 raw key>"``."""
    operator_key_path: Path | None = None
    """The CLI's private key (PEM PKCS8, 0600) that signs control requests."""
    operator_key_name: str | None = None
    """The name the CLI signs as (its allow-list entry); default: the key file's stem."""
    controller_key_path: Path | None = None
    """The agents' private key: signs every models.control record (and auto-promotions)."""
    controller_public_key_path: Path | None = None
    """The controller's public key (PEM), which scorers, ``status`` and the CLI verify."""
    control_signature_window_s: float = Field(300.0, gt=0)
    """A signed request older (or further in the future) than this is refused; a signature
    is remembered this long (Redis, TTL) so a copy of it is refused as a replay."""
