"""``leadstream sink`` on the secured stack as the ``sink`` principal: it reads
``leads.scored`` in its own group, writes refusals to ``sink.deadletter``, and prints no
secret (Kafka and Redis passwords, the CRM token)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from pydantic import SecretStr

from streams.kafka.reader import TopicReader, produce_one
from streams.stack.children import LeadstreamProcess
from streams.stack.credentials import ADMIN
from tests.integration.test_sink import scored
from tests.support.crm_server import FakeCrm, Plan

LEADS = 20


def test_the_sink_delivers_as_its_own_principal(secure_stack, secure_settings, tmp_path: Path):
    group = f"leadstream-sink-{uuid.uuid4().hex[:6]}"  # under the table's sink prefix
    base = secure_settings.model_copy(update={"sink_group": group})
    scorer, sink = secure_stack.as_("scorer", base), secure_stack.as_("sink", base)
    for i in range(LEADS):
        produce_one(scorer, scorer.topic_scored, f"L{i}", scored(f"L{i}", i, 0.5 + i / 100))
    token = f"tok-{uuid.uuid4().hex}"
    with FakeCrm(Plan(refuse=frozenset({"L3"}))) as crm:
        env = {"sink_url": crm.url, "sink_token": SecretStr(token), "sink_backoff_s": 0.05}
        log = tmp_path / "sink.log"
        with LeadstreamProcess(["sink", "--idle-exit", "5"], sink, log, **env) as proc:
            assert proc.wait(180) == 0, proc.tail()
    assert set(crm.latest()) == {f"L{i}" for i in range(LEADS)} - {"L3"}
    assert crm.auth == {f"Bearer {token}"}
    with TopicReader(secure_stack.as_(ADMIN, base), base.topic_sink_deadletter) as reader:
        letters = [json.loads(r.value) for r in reader.to_end()]
    assert [d["lead_id"] for d in letters] == ["L3"]
    text = log.read_text()
    secrets = [token, *secure_stack.creds.kafka.values(), secure_stack.creds.redis]
    assert not [s for s in secrets if s in text], "a secret is in the sink's log"
