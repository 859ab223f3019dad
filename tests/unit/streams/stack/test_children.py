"""A child that exits early is reported in one line: its command, exit code, last words."""

import pytest

from streams.settings import Settings
from streams.stack.children import ChildFailed, LeadstreamProcess


def test_an_exited_child_is_named_with_what_this_run_said_last(tmp_path):
    log = tmp_path / "logs" / "child.log"
    log.parent.mkdir()
    log.write_text("an earlier run's last words\n")
    with LeadstreamProcess(["no-such-command"], Settings(_env_file=None, home=tmp_path),
                           log) as child:
        assert child.wait(60) == 2
        with pytest.raises(ChildFailed) as failed:
            child.check_alive()
    first = str(failed.value).splitlines()[0]
    assert first.startswith("`leadstream no-such-command` exited early (2): ")
    assert "No such command" in first and "earlier run" not in first
    assert first.endswith(f"log {log}")
