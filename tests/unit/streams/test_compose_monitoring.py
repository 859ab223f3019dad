"""docker-compose.yml's Prometheus, Alertmanager and Grafana, checked statically (no Docker
engine here): every mounted file exists, Prometheus's rule file is the package's, its scrape
targets are compose services serving metrics on that port under the jobs the shipped rules
select, its Alertmanager is the compose one, Grafana's datasource is that Prometheus and its
dashboard provider reads the mounted leadstream.json; promtool and amtool accept the files."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from streams.alerting.scrape import JOBS
from streams.stack.prometheus import rules_file

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def _mounts(service: dict) -> dict[str, Path]:
    """container path -> host path (bind mounts of repo files only)."""
    out = {}
    for volume in service.get("volumes", []):
        host, container = str(volume).split(":")[:2]
        if host.startswith("./"):
            out[container] = ROOT / host
    return out


def _container_port(service: dict) -> set[int]:
    return {int(str(p).split(":")[-1]) for p in service.get("ports", [])}


def _prometheus(services: dict) -> dict:
    mounts = _mounts(services["prometheus"])
    return yaml.safe_load(mounts["/etc/prometheus/prometheus.yml"].read_text())


def test_monitoring_services_and_their_mounted_files_exist(services) -> None:
    assert {"prometheus", "alertmanager", "grafana"} <= set(services)
    for name, service in services.items():
        for container, host in _mounts(service).items():
            assert host.exists(), f"{name}: {host} (mounted at {container}) is missing"


def test_prometheus_rules_alertmanager_and_scrape_targets(services) -> None:
    config, mounts = _prometheus(services), _mounts(services["prometheus"])
    assert [mounts[path].resolve() for path in config["rule_files"]] == [rules_file().resolve()]
    (am,) = [t for a in config["alerting"]["alertmanagers"] for s in a["static_configs"]
             for t in s["targets"]]
    host, port = am.split(":")
    assert host == "alertmanager" and int(port) in _container_port(services[host])
    assert "--config.file=/etc/alertmanager/alertmanager.yml" in services[host]["command"]
    assert "/etc/alertmanager/alertmanager.yml" in _mounts(services[host])
    for job in config["scrape_configs"]:
        assert job["job_name"].removeprefix("leadstream-") in JOBS, job["job_name"]
        for target in [t for s in job["static_configs"] for t in s["targets"]]:
            host, port = target.split(":")
            command = services[host]["command"]  # a compose service...
            assert command[command.index("--metrics-port") + 1] == port  # ...serving there
            assert command[command.index("--metrics-host") + 1] == "0.0.0.0"
    # the shipped rules select jobs that this configuration scrapes or may add
    rules = yaml.safe_load(rules_file().read_text())
    for rule in rules["groups"][0]["rules"]:
        for selector in re.findall(r'job="([^"]+)"', rule["expr"]):
            assert selector.removeprefix("leadstream-") in JOBS
    assert "--config.file=/etc/prometheus/prometheus.yml" in services["prometheus"]["command"]
    assert 9090 in _container_port(services["prometheus"])


def test_grafana_provisions_that_prometheus_and_the_leadstream_dashboard(services) -> None:
    grafana = services["grafana"]
    mounts = _mounts(grafana)
    provisioning = mounts["/etc/grafana/provisioning"]
    (source,) = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text()
                               )["datasources"]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    (provider,) = yaml.safe_load((provisioning / "dashboards" / "leadstream.yml").read_text()
                                 )["providers"]
    folder = provider["options"]["path"]
    board = [host for container, host in mounts.items() if container.startswith(folder + "/")]
    assert board == [ROOT / "docker" / "grafana" / "leadstream.json"]
    variables = json.loads(board[0].read_text())["templating"]["list"]
    # provisioning does not resolve __inputs: the panels' ${DS_PROMETHEUS} is a variable
    assert {"name": "DS_PROMETHEUS", "type": "datasource", "query": "prometheus"}.items() <= \
        next(v for v in variables if v["name"] == "DS_PROMETHEUS").items()
    assert grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"] in {
        c for c in mounts if c.startswith(folder + "/")}


def test_promtool_and_amtool_accept_the_files(services, tmp_path: Path) -> None:
    promtool, amtool = shutil.which("promtool"), shutil.which("amtool")
    if promtool is None or amtool is None:
        pytest.skip("promtool/amtool are not installed (Debian's prometheus packages)")
    config = _prometheus(services)
    config["rule_files"] = [str(rules_file())]  # the container path, as seen from here
    local = tmp_path / "prometheus.yml"
    local.write_text(yaml.safe_dump(config))
    done = subprocess.run([promtool, "check", "config", str(local)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    am = _mounts(services["alertmanager"])["/etc/alertmanager/alertmanager.yml"]
    done = subprocess.run([amtool, "check-config", str(am)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
