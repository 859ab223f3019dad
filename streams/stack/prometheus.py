"""The local Prometheus: Debian's ``prometheus`` on 127.0.0.1, under ``<stack_dir>/prometheus``.

It scrapes every leadstream process that announced its metrics port
(:mod:`streams.alerting.scrape`: one ``file_sd_configs`` job per kind of process), evaluates
the shipped alert rules (``streams/alerting/prometheus_rules.yaml``) and sends what fires to
the local Alertmanager. ``prometheus.yml`` is written again on every start from the settings.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import yaml

from streams.alerting.scrape import JOBS, targets_dir
from streams.settings import Settings
from streams.stack.debian import debian_binary
from streams.stack.http_service import HttpService


def rules_file() -> Path:
    """The alert rules shipped in the package."""
    return Path(str(files("streams.alerting") / "prometheus_rules.yaml"))


def prometheus_config(settings: Settings) -> dict:
    """``prometheus.yml``: leadstream's jobs, the shipped rules, the local Alertmanager."""
    every = f"{settings.prometheus_scrape_interval_s:g}s"
    targets = targets_dir(settings)
    return {
        "global": {"scrape_interval": every, "evaluation_interval": every},
        "rule_files": [str(rules_file())],
        "alerting": {"alertmanagers": [
            {"static_configs": [{"targets": [f"127.0.0.1:{settings.alertmanager_port}"]}]}]},
        "scrape_configs": [
            {"job_name": f"leadstream-{job}",
             "file_sd_configs": [{"files": [str(targets / f"{job}-*.json")],
                                  "refresh_interval": "30s"}]}
            for job in JOBS],
    }


def _command(settings: Settings) -> list[str]:
    folder = PROMETHEUS.folder(settings)
    targets_dir(settings).mkdir(parents=True, exist_ok=True)
    config = folder / "prometheus.yml"
    config.write_text(yaml.safe_dump(prometheus_config(settings), sort_keys=False))
    return [debian_binary("prometheus", "prometheus"), f"--config.file={config}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--storage.tsdb.retention.time={settings.prometheus_retention_days}d",
            f"--web.listen-address=127.0.0.1:{settings.prometheus_port}",
            "--web.enable-lifecycle"]


PROMETHEUS = HttpService("prometheus", lambda s: s.prometheus_port, _command,
                         "LEADSTREAM_PROMETHEUS_PORT")
