"""The real Alertmanager running ``examples/alertmanager.yml`` against local receivers.

The example is loaded as shipped and only re-pointed: every receiver's URL at
:class:`~tests.support.alert_receivers.HttpReceiver`, the SMTP smarthost at
:class:`~tests.support.alert_receivers.MailReceiver`, and its timings shortened (group_wait
1 s, group_interval 2 s) so a test runs in seconds. Started with the stack's own code
(:data:`streams.stack.alertmanager.ALERTMANAGER`), waiting on ``/-/ready``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import yaml

from schemas.control import ModelRole
from schemas.monitor import GuardrailLevel, GuardrailReport, GuardrailStatus, GuardrailTransition
from tests.support.alert_receivers import HttpReceiver, MailReceiver

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "alertmanager.yml"
GROUP_WAIT_S, GROUP_INTERVAL_S = 1, 2


def local_config(http: HttpReceiver, mail: MailReceiver) -> dict:
    """The shipped example, re-pointed at the local receivers, with short timings."""
    config = yaml.safe_load(EXAMPLE.read_text())
    config["global"].update(smtp_smarthost=f"127.0.0.1:{mail.port}", smtp_require_tls=False)
    for route in [config["route"], *config["route"]["routes"]]:
        if "group_wait" in route or route is config["route"]:
            route["group_wait"] = f"{GROUP_WAIT_S}s"
        route["group_interval"] = f"{GROUP_INTERVAL_S}s"
    for receiver in config["receivers"]:
        for hook in receiver.get("webhook_configs", []):
            hook["url"] = f"{http.url}/webhook"
        for slack in receiver.get("slack_configs", []):
            slack["api_url"] = f"{http.url}/slack/{slack['channel'].lstrip('#')}"
        for pager in receiver.get("pagerduty_configs", []):
            pager["url"] = f"{http.url}/pagerduty"
    return config


def report(model: str, level: GuardrailLevel, previous: GuardrailLevel | None = None,
           guardrail: str = "latency_p95", version: str = "3") -> GuardrailReport:
    """One ``monitor.guardrails`` record with one guardrail at ``level``."""
    now = datetime.now(UTC)
    ms = int(now.timestamp() * 1000)
    status = GuardrailStatus(name=guardrail, metric="latency_p95_ms", value=250.0 if level !=
                             GuardrailLevel.HEALTHY else 20.0, level=level, warn=100.0,
                             critical=200.0, action="rollback", breach_streak=1, clean_streak=0)
    moves = ([GuardrailTransition(guardrail=guardrail, from_level=previous, to_level=level,
                                  value=status.value)] if previous and previous != level else [])
    return GuardrailReport(model_name=model, role=ModelRole.CHAMPION, model_version=version,
                           window_start_ms=ms - 60_000, window_end_ms=ms, state=level,
                           guardrails=[status], transitions=moves, emitted_at=now)


def slack_for(http: HttpReceiver, channel: str, model: str) -> list[dict]:
    return [b for b in http.at(f"/slack/{channel}") if model in json_text(b)]


def webhook_for(http: HttpReceiver, model: str) -> list[dict]:
    return [b for b in http.at("/webhook") if b["commonLabels"].get("model") == model]


def pages_for(http: HttpReceiver, model: str) -> list[dict]:
    """PagerDuty events of ``model``'s groups (resolve events matched by their dedup key)."""
    events = http.at("/pagerduty")
    keys = {e["dedup_key"] for e in events if model in json_text(e)}
    return [e for e in events if e["dedup_key"] in keys]


def json_text(body: dict) -> str:
    return json.dumps(body)
