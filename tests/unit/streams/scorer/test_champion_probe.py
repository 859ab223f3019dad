"""The champion probe (a child of the scorer) never outlives its scorer and never prints a
traceback for an answer nobody reads: real processes, real pipes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
PROBE = [sys.executable, "-m", "streams.scorer.champion_probe"]


def _request(tmp_path: Path) -> str:
    """A registry that cannot answer (no MLflow there, nothing cached): a quick error."""
    return json.dumps({"tracking_uri": f"file://{tmp_path / 'no-mlflow'}", "model_name": "m",
                       "cache_dir": str(tmp_path / "cache"), "alias": "champion",
                       "artifact_root": None})


def test_an_answer_to_a_scorer_that_stopped_is_dropped_without_a_traceback(tmp_path) -> None:
    probe = subprocess.Popen(PROBE, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    probe.stdout.close()  # the scorer is gone before the probe answers
    _, err = probe.communicate(_request(tmp_path), timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_the_probe_exits_when_its_scorer_has_gone(tmp_path) -> None:
    # A stand-in scorer: asks about a registry that does not answer (a socket that takes
    # the connection and never replies: the probe waits out MLflow's retries, ~8 s),
    # prints the probe's pid and exits at once; the probe must follow within ~1 s (5 s
    # allowed for a loaded machine).
    silent = socket.create_server(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    request = json.loads(_request(tmp_path)) | {"tracking_uri": f"http://127.0.0.1:{port}"}
    stand_in = "import os, subprocess, sys; "
    parent = subprocess.run(
        [sys.executable, "-c",
         stand_in + f"p = subprocess.Popen({PROBE!r}, stdin=subprocess.PIPE, text=True, "
         "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
         "import json; req = json.loads(sys.stdin.read()) | {'parent': os.getpid()}; "
         "p.stdin.write(json.dumps(req)); p.stdin.close(); "
         "print(p.pid, flush=True); os._exit(0)"],
        input=json.dumps(request), cwd=ROOT, capture_output=True, text=True, timeout=60)
    pid = int(parent.stdout.split()[0])
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = _alive(pid)
    if alive:
        os.kill(pid, 9)
    silent.close()
    assert not alive, "the probe outlived the scorer that started it"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited (reaped by init later)


def test_a_password_in_the_tracking_uri_is_in_no_line_the_probe_prints(tmp_path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the with ends: MLflow is unreachable
    uri = f"http://probe-user:s3cret-pw-{port}@127.0.0.1:{port}"
    request = json.loads(_request(tmp_path)) | {"tracking_uri": uri}
    done = subprocess.run(PROBE, cwd=ROOT, input=json.dumps(request), capture_output=True,
                          text=True, timeout=120)
    assert "127.0.0.1" in done.stderr + done.stdout  # it did say what it could not reach
    assert f"s3cret-pw-{port}" not in done.stderr + done.stdout
