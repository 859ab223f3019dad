"""``leadstream sink`` against the real broker and a CRM stand-in that fails on purpose.

Scores are published to ``leads.scored`` transactionally (some transactions aborted: never
delivered), several per lead with rising ``scored_at``. The CRM answers 429, 500, times out
or drops the connection; the sink is killed with -9 in mid-stream and restarted. Expected:
every lead holds its newest committed score, no lead ever got an older score after a newer
one, refused leads are on ``sink.deadletter`` with the CRM's answer, and the group's
committed offsets reach the end of the topic. A forged score stamped a century ahead is
dead-lettered, not delivered.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition

from schemas.scored import ScoredLead
from streams.settings import Settings
from streams.stack.children import LeadstreamProcess
from tests.integration.helpers import read_topic, wait_until
from tests.support.crm_server import FakeCrm, Plan

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def scored(lead: str, i: int, score: float, at: datetime | None = None) -> bytes:
    """A score; every odd one as written before grades (``"bucket": "Cool"``: grade C)."""
    doc = ScoredLead(lead_id=lead, score=score, grade="B", model_name="m",
                     model_version="3", model_alias="champion",
                     scored_at=at or T0 + timedelta(seconds=i), latency_ms=1.0,
                     source_partition=0, source_offset=i).model_dump(mode="json")
    if i % 2:
        del doc["grade"], doc["reasons"], doc["reasons_method"]
        doc["bucket"] = "Cool"
    return json.dumps(doc).encode()


def grade_of(step: int) -> str:
    return "C" if step % 2 else "B"


def _transactional(settings: Settings) -> Producer:
    producer = Producer({**settings.kafka_config(), "transactional.id": f"crm-{uuid.uuid4()}"})
    producer.init_transactions(30)
    return producer


def publish(settings: Settings, leads: int, rounds: int, seed: int,
            grades: dict[str, str] | None = None) -> dict[str, float]:
    """Rounds of scores in transactions (every third aborted, each by a producer of its
    own); the newest committed score per lead, computed here independently of the sink."""
    rng = random.Random(seed)
    committer = _transactional(settings)
    newest: dict[str, float] = {}
    step = 0
    for r in range(rounds):
        aborted = r % 3 == 2
        producer = _transactional(settings) if aborted else committer
        producer.begin_transaction()
        batch = {}
        for lead in rng.sample(range(leads), leads // 2 if r else leads):
            step += 1
            batch[f"L{lead}"] = round(rng.random(), 4)
            if grades is not None and not aborted:
                grades[f"L{lead}"] = grade_of(step)
            producer.produce(settings.topic_scored, key=f"L{lead}".encode(),
                             value=scored(f"L{lead}", step, batch[f"L{lead}"]))
        if aborted:
            producer.abort_transaction(30)
        else:
            producer.commit_transaction(30)
            newest.update(batch)
    committer.begin_transaction()  # and one record that is not a ScoredLead
    committer.produce(settings.topic_scored, key=b"L0", value=b'{"lead_id": "L0"}')
    # and a forged score a century ahead: it must not win "newest wins" for L1 forever
    committer.produce(settings.topic_scored, key=b"L1",
                      value=scored("L1", step + 1, 0.999, datetime(2126, 1, 1, tzinfo=UTC)))
    committer.commit_transaction(30)
    return newest


def left_after_commit(settings: Settings) -> int:
    """Committed records of leads.scored past the sink group's committed offsets."""
    c = Consumer({**settings.kafka_config(), "group.id": settings.sink_group,
                  "isolation.level": "read_committed", "enable.auto.commit": False})
    try:
        meta = c.list_topics(settings.topic_scored, timeout=10).topics[settings.topic_scored]
        parts = [TopicPartition(settings.topic_scored, p) for p in meta.partitions]
        c.assign(c.committed(parts, timeout=10))
        left, quiet = 0, 0
        while quiet < 3:
            got = [m for m in c.consume(500, 1.0) if m.error() is None]
            left, quiet = left + len(got), (quiet + 1 if not got else 0)
        return left
    finally:
        c.close()


def test_every_lead_gets_its_newest_score_through_faults_and_kill_9(make_settings, tmp_path: Path):
    s = make_settings(sink_group=f"sink-{uuid.uuid4().hex[:8]}", sink_batch_size=50)
    grades: dict[str, str] = {}
    newest = publish(s, leads=300, rounds=9, seed=5, grades=grades)
    plan = Plan({"ok": 6, "429": 1, "500": 1, "slow": 1, "drop": 1}, seed=9, slow_s=1.5,
                retry_after="0", refuse=frozenset({"L7", "L123"}))
    with FakeCrm(plan) as crm:
        env = {"sink_url": crm.url, "sink_token": "tok-123", "sink_timeout_s": 0.5,
               "sink_backoff_s": 0.05, "sink_backoff_max_s": 0.2, "sink_max_attempts": 50}
        log = tmp_path / "sink.log"
        with LeadstreamProcess(["sink"], s, log, **env) as first:
            wait_until(lambda: sum(len(v) for v in crm.applied.values()) > 150, 120,
                       f"the sink to deliver some scores:\n{first.tail()}")
            first.kill9()
        with LeadstreamProcess(["sink", "--idle-exit", "5"], s, log, **env) as second:
            assert second.wait(300) == 0, second.tail()
    assert left_after_commit(s) == 0
    expected = {lead: v for lead, v in newest.items() if lead not in ("L7", "L123")}
    assert {lead: e["score"] for lead, e in crm.latest().items()} == expected
    assert {lead: e["grade"] for lead, e in crm.latest().items()} == {  # legacy: by rank
        lead: grades[lead] for lead in expected}
    for lead, entries in crm.applied.items():  # never an older score after a newer one
        times = [e["scored_at"] for e in entries]
        assert times == sorted(times), lead
    assert crm.auth == {"Bearer tok-123"}
    assert all(crm.count(f) for f in ("429", "500", "slow", "drop"))
    letters = [json.loads(r.value) for r in read_topic(s, s.topic_sink_deadletter)]
    refused = {d["lead_id"] for d in letters if d["reason"] == "crm_rejected"}
    assert refused == {"L7", "L123"}
    assert all(d["status_code"] == 400 and "invalid lead id" in d["response"]
               for d in letters if d["reason"] == "crm_rejected")
    invalid = [d for d in letters if d["reason"] == "invalid_record"]
    assert len(invalid) == 1 and invalid[0]["lead_id"] == "L0"
    future = [d for d in letters if d["reason"] == "future_scored_at"]
    assert [d["lead_id"] for d in future] == ["L1"] and "ahead of the sink's clock" in \
        future[0]["response"]
    assert "tok-123" not in log.read_text()
