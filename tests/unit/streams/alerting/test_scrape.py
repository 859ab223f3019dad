"""Target files for Prometheus' file-based discovery: written atomically, removed at a
clean exit only by the process that wrote them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from streams.alerting.scrape import _unregister, register_target, target_file, targets_dir
from streams.settings import Settings


def test_a_target_file_in_file_sd_format(tmp_path: Path) -> None:
    s = Settings(home=tmp_path)
    path = register_target(s, "scorer", 9108, "0.0.0.0")
    assert path == targets_dir(s) / "scorer-9108.json"
    assert json.loads(path.read_text()) == [
        {"targets": ["127.0.0.1:9108"], "labels": {"pid": str(os.getpid())}}]
    assert [p.name for p in path.parent.iterdir()] == ["scorer-9108.json"]  # no temp file left
    with pytest.raises(ValueError, match="unknown job"):
        register_target(s, "dashboard-x", 1)


def test_only_the_writer_removes_its_file(tmp_path: Path) -> None:
    s = Settings(home=tmp_path)
    path = register_target(s, "agents", 9200)
    _unregister(path, os.getpid() + 1)  # somebody else's exit: the file stays
    assert path.exists()
    _unregister(path, os.getpid())
    assert not path.exists()


def test_a_clean_exit_withdraws_the_target(tmp_path: Path) -> None:
    code = ("from streams.alerting.scrape import register_target\n"
            "from streams.settings import Settings\n"
            f"print(register_target(Settings(home={str(tmp_path)!r}), 'sink', 9300))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[4])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(target_file(Settings(home=tmp_path), "sink", 9300))
    assert not Path(done.stdout.strip()).exists()
