"""The local Prometheus' configuration, as the stack writes it: accepted by ``promtool check
config`` (which loads the shipped rules too), one file_sd job per kind of process, alerts to
the local Alertmanager's port."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from streams.alerting.scrape import targets_dir
from streams.settings import Settings
from streams.stack.prometheus import prometheus_config, rules_file


def test_jobs_rules_and_alertmanager(tmp_path: Path) -> None:
    s = Settings(home=tmp_path, alertmanager_port=28193, prometheus_scrape_interval_s=2.5)
    config = prometheus_config(s)
    assert config["global"] == {"scrape_interval": "2.5s", "evaluation_interval": "2.5s"}
    assert config["rule_files"] == [str(rules_file())] and rules_file().is_file()
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == [
        "127.0.0.1:28193"]
    jobs = {j["job_name"]: j["file_sd_configs"][0]["files"] for j in config["scrape_configs"]}
    assert jobs == {f"leadstream-{k}": [str(targets_dir(s) / f"{k}-*.json")]
                    for k in ("scorer", "agents", "sink")}


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool missing")
def test_promtool_accepts_it(tmp_path: Path) -> None:
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(prometheus_config(Settings(home=tmp_path))))
    done = subprocess.run(["promtool", "check", "config", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 4 rules found" in done.stdout
