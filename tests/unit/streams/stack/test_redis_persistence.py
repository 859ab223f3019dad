"""The stack's Redis keeps an append-only file and takes no RDB snapshots (no fork every
minute next to the scorer); a snapshot an older stack left is deleted."""

from __future__ import annotations

from pathlib import Path

from streams.stack.redis_server import PERSISTENCE, drop_stale_snapshot


def _args(args: tuple[str, ...]) -> dict[str, str]:
    return {args[i].removeprefix("--"): args[i + 1] for i in range(0, len(args), 2)}


def test_append_only_fsynced_every_second_and_no_snapshot_points():
    assert _args(PERSISTENCE) == {"appendonly": "yes", "appendfsync": "everysec", "save": ""}


def test_a_snapshot_beside_the_append_only_file_is_deleted(tmp_path: Path):
    (tmp_path / "appendonlydir").mkdir()
    (tmp_path / "dump.rdb").write_bytes(b"REDIS0011")
    drop_stale_snapshot(tmp_path)
    assert not (tmp_path / "dump.rdb").exists() and (tmp_path / "appendonlydir").is_dir()
    drop_stale_snapshot(tmp_path)  # nothing to delete: no error


def test_a_snapshot_without_an_append_only_file_is_kept(tmp_path: Path):
    (tmp_path / "dump.rdb").write_bytes(b"REDIS0011")  # the only copy of the data: kept
    drop_stale_snapshot(tmp_path)
    assert (tmp_path / "dump.rdb").exists()
