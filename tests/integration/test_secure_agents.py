"""The faust agents on the secured stack: SASL_SSL (SCRAM-SHA-512) through aiokafka, their
own principal, ACLs from the table. The operator's request is applied by the controller, a
guardrail rollback event (what the monitor agents emit, signed with the agents' key) rolls
the model back, an unsigned one is refused, and the crm principal can do neither."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas.control import ControlAction, ControlRequest, ModelRole, RollbackEvent
from streams.control.client import alerts, latest_config, submit
from streams.control.keys import controller_signer
from streams.kafka.auth import NotAuthorized
from streams.kafka.reader import produce_one
from streams.redact import secret_values
from tests.integration.agents_support import AgentsProcess, registered_versions
from tests.integration.helpers import wait_until


def test_agents_apply_operator_requests_and_rollbacks_on_the_secured_stack(
        secure_stack, secure_settings, tmp_path: Path) -> None:
    base = secure_settings.model_copy(update={"rollback_cooldown_s": 0.0,
                                              "control_wait_s": 90.0})
    operator, agents, crm = (secure_stack.as_(p, base) for p in ("operator", "agents", "crm"))
    registered_versions(base, 2)
    log = tmp_path / "agents.log"
    with AgentsProcess(agents, log) as proc:
        promote = ControlRequest(request_id=uuid.uuid4().hex, model_name=base.model_name,
                                 action=ControlAction.PROMOTE_VERSION, version="2",
                                 actor="pytest", requested_at=datetime.now(UTC))
        result = submit(operator, promote)
        assert result.config is not None, proc.tail()
        assert result.config.champion_version == "2"

        now = datetime.now(UTC)
        event = RollbackEvent(event_id=uuid.uuid4().hex, model_name=base.model_name,
                              role=ModelRole.CHAMPION, version="2", guardrail="error_rate",
                              evidence={"error_rate": 0.3, "critical": 0.05},
                              window_start=now, window_end=now, emitted_at=now)
        with pytest.raises(NotAuthorized, match="TOPIC_AUTHORIZATION_FAILED"):
            produce_one(crm, crm.topic_models_rollback, base.model_name,
                        event.model_dump_json().encode())
        forged = event.model_copy(update={"event_id": uuid.uuid4().hex})
        produce_one(agents, agents.topic_models_rollback, base.model_name,
                    forged.model_dump_json().encode())  # unsigned: refused, not applied
        wait_until(lambda: any("rollback event refused (unsigned)" in a.message
                               for a in alerts(operator, base.model_name)),
                   60, "the unsigned rollback event to be refused")
        assert latest_config(operator, base.model_name).champion_version == "2"
        value = event.model_dump_json().encode()
        headers = controller_signer(agents).headers(agents.topic_models_rollback,
                                                    base.model_name.encode(), value)
        produce_one(agents, agents.topic_models_rollback, base.model_name, value,
                    headers=headers)
        wait_until(lambda: latest_config(operator, base.model_name).champion_version == "1",
                   60, "the guardrail rollback to be applied")
        assert proc.alive, proc.tail()
    text = log.read_text()
    leaked = [s for s in secret_values(agents) | {secure_stack.creds.redis} if s in text]
    assert leaked == [], "a configured secret is in the agents' log"
