"""``leadstream keys new NAME``: an Ed25519 key pair for control-plane signing.

Writes ``NAME.key`` (private, PEM PKCS8, 0600) and ``NAME.pub`` (public, PEM) into
``--dir`` (default: beside ``LEADSTREAM_CONTROL_ALLOWLIST_PATH`` or
``LEADSTREAM_OPERATOR_KEY_PATH`` when set, else where the secured stack keeps its keys and
allow-list, ``<LEADSTREAM_HOME>/stack/secure/keys``), never overwriting a file, and prints
the line to add to the controller's allow-list.
"""

from __future__ import annotations

from pathlib import Path

import click

from streams.cli.common import json_option, print_json
from streams.control.keys import new_key_pair
from streams.settings import Settings
from streams.stack.signing_keys import configured_keys_dir


@click.group("keys")
def keys() -> None:
    """Signing keys of the control plane (operators and the controller)."""


@keys.command("new")
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(path_type=Path),
              help="Where to write NAME.key and NAME.pub (default: the directory of the "
                   "configured allow-list or operator key, else the secured stack's "
                   "<LEADSTREAM_HOME>/stack/secure/keys).")
@json_option
def new(name: str, directory: Path | None, as_json: bool) -> None:
    """Make an Ed25519 key pair NAME (refuses to overwrite one)."""
    settings = Settings()
    target = directory or configured_keys_dir(settings)
    try:
        pair = new_key_pair(target, name)
    except FileExistsError as exc:
        raise click.ClickException(f"{exc} (choose another NAME, or --dir)") from None
    allowlist = settings.control_allowlist_path or target / "allowlist.toml"
    if as_json:
        print_json({"name": name, "private_key": str(pair.private_path),
                    "public_key": str(pair.public_path), "allowlist_line": pair.allowlist_line,
                    "allowlist": str(allowlist)})
        return
    click.echo(f"private key {pair.private_path} (0600: keep it; "
               f"LEADSTREAM_OPERATOR_KEY_PATH={pair.private_path})")
    click.echo(f"public key  {pair.public_path}")
    click.echo(f"add this line to the allow-list {allowlist} (then restart the agents):")
    click.echo(pair.allowlist_line)
