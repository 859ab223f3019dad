"""The local Alertmanager: Debian's ``prometheus-alertmanager`` on 127.0.0.1, clustering off,
under ``<stack_dir>/alertmanager``.

It receives the alerts of the local Prometheus (the shipped rules) and leadstream's own
events (the agents post them, :mod:`streams.alerting`). Its configuration is
``LEADSTREAM_ALERTMANAGER_CONFIG_PATH`` when set (``examples/alertmanager.yml`` routes the
case study's tiers to Slack, e-mail and PagerDuty), else one without receivers: alerts are
then only seen in its UI and API.
"""

from __future__ import annotations

import yaml

from streams.settings import Settings
from streams.stack.debian import debian_binary
from streams.stack.http_service import HttpService

NO_RECEIVER = {
    "route": {"receiver": "none", "group_by": ["alertname", "model"]},
    "receivers": [{"name": "none"}],
}
"""The default configuration: every alert kept, grouped, shown; nobody notified."""


def _command(settings: Settings) -> list[str]:
    folder = ALERTMANAGER.folder(settings)
    config = settings.alertmanager_config_path
    if config is None:
        config = folder / "alertmanager.yml"
        config.write_text(yaml.safe_dump(NO_RECEIVER, sort_keys=False))
    return [debian_binary("prometheus-alertmanager", "prometheus-alertmanager", "alertmanager"),
            f"--config.file={config}", f"--storage.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{settings.alertmanager_port}",
            "--cluster.listen-address="]


ALERTMANAGER = HttpService("alertmanager", lambda s: s.alertmanager_port, _command,
                           "LEADSTREAM_ALERTMANAGER_PORT")
