"""``forget`` on the secured stack: the operator may ask (``privacy.requests``), only the
agents erase and write the audit entry with the verified signer as actor, an unsigned
request is refused, the crm principal can do neither."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from schemas.alerts import ControlAlert
from schemas.ledger import LedgerEntry
from schemas.privacy import ErasureEntry, lead_digest
from schemas.scored import Variant
from scoring.control.signing import sign
from streams.control.forget import erasure_request, erasures, forget
from streams.control.keys import load_private
from streams.kafka.auth import NotAuthorized
from streams.kafka.reader import produce_one
from streams.stack.credentials import ADMIN
from streams.stores.ledger import Ledger
from tests.integration.agents_support import AgentsProcess, run_cli
from tests.integration.helpers import wait_until


def test_the_operator_asks_the_agents_erase_and_crm_may_not(secure_stack, secure_settings,
                                                            tmp_path: Path) -> None:
    base = secure_settings.model_copy(update={"forget_wait_s": 90.0})
    operator, agents, crm = (secure_stack.as_(p, base) for p in ("operator", "agents", "crm"))
    lead = "secure-lead-1"
    ledger = Ledger(redis.Redis.from_url(agents.redis_url), 600)
    assert ledger.write([LedgerEntry(lead_id=lead, model_name="m", model_version="1",
                                     variant=Variant.CHAMPION, score=0.5, features={},
                                     scored_at=datetime.now(UTC))]).written == 1
    request = erasure_request(lead, "dpo")
    with pytest.raises(NotAuthorized, match="TOPIC_AUTHORIZATION_FAILED"):
        produce_one(crm, crm.topic_privacy_requests, request.request_id,
                    request.model_dump_json().encode())
    with AgentsProcess(agents, tmp_path / "agents.log") as proc:
        unsigned = erasure_request(lead, "mallory")  # the operator's ACL, but no signature
        produce_one(operator, operator.topic_privacy_requests, unsigned.request_id,
                    unsigned.model_dump_json().encode())
        entry = forget(operator, request)
        assert proc.alive, proc.tail()
    assert entry.removed["ledger"] == 1 and entry.lead_sha256 == lead_digest(lead)
    assert entry.actor == "operator"  # the verified signer, not the declared "dpo"
    assert ledger.get(lead) is None
    assert "erasure request refused (unsigned)" in (tmp_path / "agents.log").read_text()


def _entry(settings, request_id: str) -> ErasureEntry | None:
    done, _ = erasures(settings)
    return next((e for e in done if e.request_id == request_id), None)


def _alerts(settings, request_id: str) -> list[ControlAlert]:
    _, refused = erasures(settings)
    return [a for a in refused if a.request_id == request_id]


def test_an_erasure_is_applied_however_late_once_and_through_a_redis_stall(
        secure_stack, secure_settings, tmp_path: Path) -> None:
    """Issue 15: a request read 10 minutes after it was signed (the agents were down) is
    applied, not refused as too old; a copy of it is refused as a replay, with an alert; a
    request handled while Redis stalls (CLIENT PAUSE beyond the client timeout) is retried,
    not dead-lettered; ``models history --json`` lists the erasures by digest only."""
    base = secure_settings.model_copy(update={"forget_wait_s": 90.0})
    operator, agents = (secure_stack.as_(p, base) for p in ("operator", "agents"))
    tag = uuid.uuid4().hex[:8]
    late_lead, stalled_lead = f"late-{tag}", f"stalled-{tag}"
    client = redis.Redis.from_url(agents.redis_url)
    ledger = Ledger(client, 600)
    assert ledger.write([LedgerEntry(lead_id=lead, model_name="m", model_version="1",
                                     variant=Variant.CHAMPION, score=0.5, features={},
                                     scored_at=datetime.now(UTC))
                         for lead in (late_lead, stalled_lead)]).written == 2
    late = erasure_request(late_lead, "dpo")
    topic, value = operator.topic_privacy_requests, late.model_dump_json().encode()
    key_path = operator.operator_key_path
    assert key_path is not None
    ten_minutes_ago = time.time_ns() // 1_000_000 - 600_000  # twice the 300 s window
    headers = sign(load_private(key_path), operator.operator_key_name or key_path.stem, topic,
                   late.request_id.encode(), value, ten_minutes_ago)
    produce_one(operator, topic, late.request_id, value, headers=headers)

    log = tmp_path / "agents.log"
    with AgentsProcess(agents, log) as proc:
        wait_until(lambda: _entry(operator, late.request_id) is not None, 120,
                   "the late request applied")
        assert ledger.get(late_lead) is None, proc.tail()
        assert not _alerts(operator, late.request_id)

        produce_one(operator, topic, late.request_id, value, headers=headers)  # a replay
        wait_until(lambda: _alerts(operator, late.request_id), 60, "the replay alerted")
        (replayed,) = _alerts(operator, late.request_id)
        assert replayed.kind == "signature_refused" and "replayed" in replayed.message

        # the stack's own Redis user pauses it (the agents' user may not: redis_acls.toml)
        admin = redis.Redis.from_url(secure_stack.as_(ADMIN, base).redis_url)
        admin.execute_command("CLIENT", "PAUSE", "6000", "WRITE")  # > the 2 s timeout
        entry = forget(operator, erasure_request(stalled_lead, "dpo"))
        assert entry.removed["ledger"] == 1 and ledger.get(stalled_lead) is None
        assert proc.alive, proc.tail()
    assert "Redis failed" in log.read_text()  # it did stall, and was retried

    shown = run_cli(operator, "models", "history", "--json")
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.output)
    listed = {e["request_id"]: e for e in doc["erasures"]}
    assert listed[late.request_id]["lead_sha256"] == lead_digest(late_lead)
    assert listed[entry.request_id]["lead_sha256"] == lead_digest(stalled_lead)
    assert any(a["request_id"] == late.request_id for a in doc["erasures_refused"])
    table = run_cli(operator, "models", "history")
    assert f"erased lead sha256:{lead_digest(late_lead)}" in table.output
    for text in (shown.output, table.output, log.read_text()):
        assert late_lead not in text and stalled_lead not in text
