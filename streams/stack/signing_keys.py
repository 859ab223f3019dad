"""Control-plane signing keys of the secured local stack (``stack up --secure``).

Made once under ``<stack_dir>/secure/keys/``: the controller's key pair
(``controller.key`` 0600, ``controller.pub``), one operator's (``operator.key`` 0600,
``operator.pub``) and the allow-list ``allowlist.toml`` naming that operator. Each
principal's settings turn ``control_signing`` on and point at what it needs: every
principal verifies ``models.control`` with ``controller.pub``; the agents sign with
``controller.key`` and check requests against the allow-list; the operator signs with
``operator.key``. More operators: ``leadstream keys new NAME`` and a line in the allow-list.
"""

from __future__ import annotations

from pathlib import Path

from scoring.control.key_table import allowlist_line
from streams.control.keys import CONTROLLER_NAME, load_public, new_key_pair
from streams.settings import Settings

OPERATOR = "operator"


def keys_dir(settings: Settings) -> Path:
    return settings.stack_dir / "secure" / "keys"


def configured_keys_dir(settings: Settings) -> Path:
    """Where new keys belong: beside the configured allow-list (or operator key), else
    where the secured local stack keeps its keys and allow-list."""
    for path in (settings.control_allowlist_path, settings.operator_key_path):
        if path is not None:
            return path.parent
    return keys_dir(settings)


def ensure_signing_keys(settings: Settings) -> Path:
    """The key pairs and the allow-list (made on the first call); returns the allow-list."""
    directory = keys_dir(settings)
    for name in (CONTROLLER_NAME, OPERATOR):
        if not (directory / f"{name}.key").exists():
            new_key_pair(directory, name)
    allowlist = directory / "allowlist.toml"
    if not allowlist.exists():
        line = allowlist_line(OPERATOR, load_public(directory / f"{OPERATOR}.pub"))
        allowlist.write_text("# operators allowed to sign control requests: "
                             "name = \"<base64 raw Ed25519 public key>\"\n" + line + "\n")
    return allowlist


def signing_fields(settings: Settings, principal: str) -> dict[str, object]:
    """The settings ``principal`` needs for control-plane signing on the secured stack."""
    d = keys_dir(settings)
    fields: dict[str, object] = {"control_signing": "required",
                                 "controller_public_key_path": d / f"{CONTROLLER_NAME}.pub"}
    if principal == "agents":
        fields.update(controller_key_path=d / f"{CONTROLLER_NAME}.key",
                      control_allowlist_path=d / "allowlist.toml")
    if principal == OPERATOR:
        fields.update(operator_key_path=d / f"{OPERATOR}.key", operator_key_name=OPERATOR)
    return fields
