"""Key files: 0600 private keys, never overwritten, and what signing needs when required."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from scoring.control.key_table import BadKeyTable, parse_key_table
from streams.control.keys import (
    load_public,
    new_key_pair,
    operator_signer,
    request_keys,
)
from streams.settings import Settings


def test_a_new_pair_is_private_and_its_allowlist_line_is_its_public_key(tmp_path: Path) -> None:
    pair = new_key_pair(tmp_path, "alice")
    assert stat.S_IMODE(pair.private_path.stat().st_mode) == 0o600
    assert pair.private_path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    table = parse_key_table(pair.allowlist_line)
    assert table["alice"].public_bytes_raw() == load_public(pair.public_path).public_bytes_raw()
    with pytest.raises(FileExistsError, match=r"alice\.key exists; refusing to overwrite"):
        new_key_pair(tmp_path, "alice")
    with pytest.raises(BadKeyTable, match="key name"):
        new_key_pair(tmp_path, "../evil")


def test_the_operator_signs_as_its_key_files_stem_unless_named(tmp_path: Path) -> None:
    pair = new_key_pair(tmp_path, "alice")
    assert operator_signer(Settings(_env_file=None, operator_key_path=pair.private_path)).name \
        == "alice"
    named = Settings(_env_file=None, operator_key_path=pair.private_path, operator_key_name="al")
    assert operator_signer(named).name == "al"
    assert operator_signer(Settings(_env_file=None)) is None


def test_required_signing_without_its_files_stops_with_the_setting_to_set() -> None:
    s = Settings(_env_file=None, control_signing="required")
    with pytest.raises(BadKeyTable, match="LEADSTREAM_OPERATOR_KEY_PATH"):
        operator_signer(s)
    with pytest.raises(BadKeyTable, match="LEADSTREAM_CONTROL_ALLOWLIST_PATH"):
        request_keys(s)


def test_request_keys_are_the_allowlist_plus_the_controllers_own(tmp_path: Path) -> None:
    alice, ctl = new_key_pair(tmp_path, "alice"), new_key_pair(tmp_path, "controller")
    allow = tmp_path / "allow.toml"
    allow.write_text(alice.allowlist_line + "\n")
    s = Settings(_env_file=None, control_signing="required", control_allowlist_path=allow,
                 controller_public_key_path=ctl.public_path)
    assert sorted(request_keys(s)) == ["alice", "controller"]
    assert request_keys(Settings(_env_file=None)) is None
