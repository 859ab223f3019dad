"""``forget`` on the secured stack: the operator may ask (``privacy.requests``), only the
agents erase and write the audit entry with the verified signer as actor, an unsigned
request is refused, the crm principal can do neither."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from schemas.ledger import LedgerEntry
from schemas.privacy import lead_digest
from schemas.scored import Variant
from streams.control.forget import erasure_request, forget
from streams.kafka.auth import NotAuthorized
from streams.kafka.reader import produce_one
from streams.stores.ledger import Ledger
from tests.integration.agents_support import AgentsProcess


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
