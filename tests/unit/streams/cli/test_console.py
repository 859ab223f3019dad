"""One console for every command: on a pipe no line is wrapped or cut, on a terminal (or
with ``COLUMNS``) output fits the width. ``produce --csv`` counts what it will send."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from schemas.control import ServingConfig
from streams.cli import main
from streams.cli.common import UNLIMITED, console, packed
from streams.cli.experiment import print_config

ROOT = Path(__file__).resolve().parents[4]
LONG = " ".join(f"word{i}" for i in range(60))  # 389 characters, many break points


def test_config_on_a_pipe_prints_every_description_on_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LEADSTREAM_") and k != "COLUMNS"}
    env.update(PYTHONPATH=str(ROOT), LEADSTREAM_HOME=str(tmp_path))
    run = [sys.executable, "-m", "streams.cli", "config"]
    text = subprocess.run(run, env=env, capture_output=True, text=True, check=True,
                          cwd=tmp_path).stdout  # stdout is a pipe
    lines = text.splitlines()
    doc = json.loads(subprocess.run([*run, "--json"], env=env, capture_output=True, text=True,
                                    check=True, cwd=tmp_path).stdout)
    long = [d for d in doc if len(d["description"]) > 100]
    assert len(long) > 10  # wrapped at 80 columns before, each of these
    for d in long:
        assert any(d["variable"] in line and d["description"] in line for line in lines), d


def test_a_serving_line_is_one_line_on_a_pipe(monkeypatch, capsys) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    config = ServingConfig(model_name="lead-scoring", champion_version="12", sequence=4,
                           actor="alice", reason=LONG, updated_at=datetime.now(UTC))
    print_config(config)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and LONG in out


def test_columns_still_wins_and_a_terminal_keeps_its_width(monkeypatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert console().width == UNLIMITED  # pytest's captured stdout is no terminal
    monkeypatch.setenv("COLUMNS", "80")
    assert console().width == 80


def test_packed_never_splits_a_field() -> None:
    fields = ["10:00:55", "n=59123", "guardrails WARNING (latency_p99, score_collapse)",
              "drift [yellow]insufficient_data[/]", "score PSI 11.2", "AUC 0.812 (n=5000)"]
    lines = packed(fields, 60, indent=2, hang=4)
    assert len(lines) > 1 and all(len(line) <= 60 + len("[yellow][/]") for line in lines)
    flat = "\n".join(lines)
    for field in fields:
        assert field in flat
    assert all(line.startswith("      ") for line in lines[1:])
    assert packed(fields, UNLIMITED) == ["  ".join(fields)]


def test_produce_csv_counts_the_rows_it_sends(tmp_path: Path, monkeypatch) -> None:
    spec = tmp_path / "tiny.toml"
    spec.write_text('name = "tiny"\nid_source = "Id"\n[[features]]\nname = "visits"\n'
                    'source = "Visits"\nkind = "numeric"\n')
    data = tmp_path / "export.csv"
    data.write_text("Id,Visits\n" + "".join(f"{i},{i % 7}\n" for i in range(1, 38)))
    seen: dict[str, object] = {}

    def publish(_settings, records, total, _rate, outcomes=None):
        seen["total"], seen["sent"] = total, len(list(records))
        return seen["sent"]

    monkeypatch.setattr("streams.cli.produce.publish", publish)
    result = CliRunner().invoke(main, ["produce", "--csv", str(data), "--spec", str(spec)])
    assert result.exit_code == 0, result.output
    assert seen == {"total": 37, "sent": 37}  # not the -n default of 10,000
    result = CliRunner().invoke(main, ["produce", "--csv", str(data), "--spec", str(spec),
                                       "-n", "5"])
    assert seen == {"total": 5, "sent": 5}
    spec.write_text('name = "tiny"\nid_source = "Id"\ntarget = "converted"\n'
                    'target_source = "Won"\n[[features]]\nname = "visits"\n'
                    'source = "Visits"\nkind = "numeric"\n')
    data.write_text("Id,Visits,Won\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(1, 38)))
    result = CliRunner().invoke(main, ["produce", "--csv", str(data), "--spec", str(spec),
                                       "--outcomes"])
    assert result.exit_code == 0, result.output
    assert seen == {"total": 37, "sent": 37}  # with outcomes too
