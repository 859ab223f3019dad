"""``leadstream demo`` fails with one line (exit 1) and keeps the traceback in demo.log."""

from __future__ import annotations

from click.testing import CliRunner

from streams.cli import main
from streams.stack.children import ChildFailed


def test_any_failure_is_one_line_and_a_logged_traceback(tmp_path, monkeypatch):
    def boom(self) -> None:
        raise ChildFailed("`leadstream score` exited early (1): ModelUnavailable: no model\n"
                          "...the child's log tail...")

    monkeypatch.setattr("streams.demo.run.Demo.run", boom)
    result = CliRunner().invoke(main, ["demo"], env={"LEADSTREAM_HOME": str(tmp_path)})
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    log = tmp_path / "logs" / "demo.log"
    assert lines == [f"Error: demo failed: ChildFailed: `leadstream score` exited early (1): "
                     f"ModelUnavailable: no model (details: {log})"]
    assert "Traceback" in log.read_text() and "the child's log tail" in log.read_text()


def test_bad_settings_are_one_line_too(monkeypatch):
    result = CliRunner().invoke(main, ["demo"], env={"LEADSTREAM_BATCH_SIZE": "0"})
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == ["Error: demo failed: invalid settings: LEADSTREAM_BATCH_SIZE: "
                     "Input should be greater than or equal to 1"]
