"""``keys new`` writes where the secured stack reads keys, and says plainly when a key exists."""

from __future__ import annotations

import stat
from pathlib import Path

from click.testing import CliRunner

from streams.cli import main
from streams.stack.signing_keys import ensure_signing_keys


def _run(tmp_path: Path, *args: str, **env: str):
    base = {"LEADSTREAM_HOME": str(tmp_path / "home")}
    return CliRunner().invoke(main, ["keys", "new", *args], env={**base, **env})


def test_keys_new_writes_beside_the_secured_stacks_allowlist(tmp_path: Path):
    keys = tmp_path / "home" / "stack" / "secure" / "keys"
    done = _run(tmp_path, "alice")
    assert done.exit_code == 0, done.output
    assert stat.S_IMODE((keys / "alice.key").stat().st_mode) == 0o600
    assert (keys / "alice.pub").is_file()
    assert f"allow-list {keys / 'allowlist.toml'}" in done.output
    assert not (tmp_path / "home" / "keys").exists()


def test_keys_new_follows_the_configured_allowlist(tmp_path: Path):
    elsewhere = tmp_path / "ops"
    done = _run(tmp_path, "bob", LEADSTREAM_CONTROL_ALLOWLIST_PATH=str(elsewhere / "allow.toml"))
    assert done.exit_code == 0, done.output
    assert (elsewhere / "bob.key").is_file() and f"allow-list {elsewhere / 'allow.toml'}" in \
        done.output


def test_an_existing_key_is_a_plain_error(tmp_path: Path):
    from streams.settings import Settings
    ensure_signing_keys(Settings(_env_file=None, home=tmp_path / "home"))  # the stack's keys
    keys = tmp_path / "home" / "stack" / "secure" / "keys"
    before = (keys / "operator.key").read_bytes()
    done = _run(tmp_path, "operator")
    assert done.exit_code == 1
    assert done.output.strip() == (f"Error: {keys / 'operator.key'} exists; refusing to "
                                   "overwrite a key (choose another NAME, or --dir)")
    assert (keys / "operator.key").read_bytes() == before
