"""``examples/alertmanager.yml`` is a configuration Alertmanager accepts (``amtool
check-config``, Debian's ``prometheus-alertmanager``) and routes the case study's tiers:
checked with ``amtool config routes test`` on label sets, as Alertmanager itself routes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

AMTOOL = shutil.which("amtool")
EXAMPLE = Path(__file__).resolve().parents[4] / "examples" / "alertmanager.yml"
pytestmark = pytest.mark.skipif(AMTOOL is None, reason="amtool (prometheus-alertmanager) missing")


def amtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([AMTOOL, *args], capture_output=True, text=True, timeout=60)


def test_alertmanager_accepts_the_example() -> None:
    done = amtool("check-config", str(EXAMPLE))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 inhibit rules" in done.stdout and "4 receivers" in done.stdout


@pytest.mark.parametrize(("severity", "receivers"), [
    ("info", "incident-log,info-channel"),
    ("warning", "incident-log,ml-alerts"),
    ("critical", "incident-log,pager"),
])
def test_each_severity_reaches_its_tier_and_the_incident_log(severity: str,
                                                             receivers: str) -> None:
    done = amtool("config", "routes", "test", f"--config.file={EXAMPLE}",
                  "alertname=LeadstreamGuardrail", "model=lead-scoring", "version=3",
                  f"severity={severity}", "kind=guardrail")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == receivers
