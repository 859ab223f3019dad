"""Hostile lead events through the real broker, Redis and MLflow: the cases that used to
crash-loop the scorer (or were scored silently) each end as exactly one committed output,
and the traffic around them is scored."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path

import redis

from schemas.errors import RejectReason
from schemas.leads import DeadLetter
from schemas.payload import KEY_KEPT_BYTES
from streams.kafka.io import MAX_RECORD_BYTES
from streams.settings import Settings
from streams.stores.dedup import Claim, Deduplicator, held
from tests.integration.fate import one_output_each, source_position
from tests.integration.helpers import (
    ScorerProcess,
    Sent,
    make_traffic,
    produce,
    read_topic,
    train_champion,
)

R = RejectReason
BIG = json.dumps({"lead_id": "big", "notes": "n" * 900_000}).encode()
HOSTILE: list[tuple[str, bytes, RejectReason | None]] = [
    ("nested-5000", b"[" * 5000 + b"]" * 5000, R.INVALID_JSON),
    ("nested-in-object", b'{"lead_id": "h2", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
     R.INVALID_JSON),
    ("year-1", b'{"lead_id": "h3", "occurred_at": "0001-01-01T00:00:00"}', None),
    ("year-10000-in-utc", b'{"lead_id": "h4", "occurred_at": "9999-12-31T23:59:59-05:00"}',
     R.SCHEMA_VIOLATION),
    ("int-309-digits", b'{"lead_id": "h5", "company_size": ' + b"9" * 309 + b"}",
     R.SCHEMA_VIOLATION),
    ("float-1.7e308", b'{"lead_id": "h6", "days_since_first_contact": 1.7e308}',
     R.SCHEMA_VIOLATION),
    ("float-1.8e308", b'{"lead_id": "h7", "days_since_first_contact": 1.8e308}',
     R.SCHEMA_VIOLATION),
    ("900-KB", BIG, R.PAYLOAD_TOO_LARGE),
    ("bool-as-int", b'{"lead_id": "h9", "company_size": true}', R.SCHEMA_VIOLATION),
    ("lone-surrogate", b'{"lead_id": "\\ud800"}', R.INVALID_JSON),
    ("lead-id-129", json.dumps({"lead_id": "x" * 129}).encode(), R.SCHEMA_VIOLATION),
    ("not-utf-8", b'{"lead_id": "h12\xff"}', R.INVALID_JSON),
    ("duplicate-key", b'{"lead_id": "h13-first", "lead_id": "h13"}', None),
    ("nan-string", b'{"lead_id": "h14", "engagement_score": "NaN"}', R.SCHEMA_VIOLATION),
]


def test_hostile_events_get_one_outcome_each_and_traffic_flows(
        fresh_settings: Settings, tmp_path: Path) -> None:
    settings = fresh_settings.model_copy(update={"model_name": f"m-{uuid.uuid4().hex[:8]}"})
    train_champion(settings)
    good, _frame = make_traffic(200, settings, bad_share=0.0)
    hostile = [Sent(name.encode(), value, reason) for name, value, reason in HOSTILE]
    sent = good[:100] + hostile + good[100:]
    where = produce(settings, sent)

    with ScorerProcess(settings, tmp_path / "scorer.log", "--max-events", str(len(sent))) as p:
        assert p.wait(180) == 0, p.text()[-3000:]

    scored = read_topic(settings, settings.topic_scored, 30)
    dead = read_topic(settings, settings.topic_deadletter, 30)
    one_output_each(where, scored + dead)
    assert len(scored) == 200 + sum(1 for *_, r in HOSTILE if r is None)
    by_key = {}
    for rec in dead:
        letter = DeadLetter.model_validate_json(rec.value)
        assert letter.reason == where[source_position(rec)].reason, (rec.key, letter.reason)
        assert len(rec.value) < MAX_RECORD_BYTES
        by_key[rec.key] = letter
    big = by_key[b"900-KB"]
    assert big.payload_truncated and big.payload_size == len(BIG)
    assert big.payload_sha256 == hashlib.sha256(BIG).hexdigest()
    assert BIG.startswith(big.payload()) and len(big.payload()) == 256 * 1024
    docs = {where[source_position(rec)].key: rec.json() for rec in scored}  # by the incoming key
    assert docs[b"year-1"]["occurred_at"] == "0001-01-01T00:00:00Z"
    assert docs[b"duplicate-key"]["lead_id"] == "h13"


POISON_KEY = (bytes(range(256)) * 2735)[:700_000]
POISON_VALUE = json.dumps({"lead_id": "poison", "notes": "n" * 290_000}).encode()


def test_a_huge_key_with_a_big_value_is_one_dead_letter_and_the_scorer_goes_on(
        fresh_settings: Settings, tmp_path: Path) -> None:
    """The poison pill of issue 15: a 700,000-byte key and a 290 KB value (990 KB, which
    the broker accepts). Its dead letter used to reuse the key whole (1,049,952 bytes), the
    produce failed as too large, which is fatal, and every scorer that took the partition
    over died on the same batch. Now: one dead letter keyed by the key's first 1 KB, and
    every event around it is scored by the same scorer run."""
    settings = fresh_settings.model_copy(update={"model_name": f"m-{uuid.uuid4().hex[:8]}"})
    train_champion(settings)
    good, _frame = make_traffic(120, settings, bad_share=0.0)
    poison = Sent(POISON_KEY, POISON_VALUE, R.PAYLOAD_TOO_LARGE)
    sent = [*good[:40], poison, *good[40:]]
    where = produce(settings, sent)

    with ScorerProcess(settings, tmp_path / "scorer.log", "--max-events", str(len(sent))) as p:
        assert p.wait(180) == 0, p.text()[-3000:]

    scored = read_topic(settings, settings.topic_scored, 30)
    dead = read_topic(settings, settings.topic_deadletter, 30)
    one_output_each(where, scored + dead)
    assert len(scored) == 120
    (rec,) = dead
    letter = DeadLetter.model_validate_json(rec.value)
    assert letter.reason is R.PAYLOAD_TOO_LARGE
    assert rec.key == POISON_KEY[:KEY_KEPT_BYTES]
    assert letter.key_size == len(POISON_KEY)
    assert letter.key_sha256 == hashlib.sha256(POISON_KEY).hexdigest()
    assert letter.payload_size == len(POISON_VALUE)
    assert letter.payload_sha256 == hashlib.sha256(POISON_VALUE).hexdigest()
    assert len(rec.value) + len(rec.key) < MAX_RECORD_BYTES


def test_release_deletes_only_claims_still_held_by_their_own_source(
        fresh_settings: Settings, redis_client: redis.Redis) -> None:
    dedup = Deduplicator.from_url(fresh_settings.redis_url, 2.0, 60)
    try:
        assert dedup.duplicates([Claim("e1", "in:0:1", "L"), Claim("e2", "in:0:2", "L")]) == {}
        assert dedup.duplicates([Claim("e2", "in:0:9", "L")]) == {0: "in:0:2"}  # a resend
        # e1 was not scored: give it back; e2's resend must not free the first claim.
        assert dedup.release([Claim("e1", "in:0:1", "L"), Claim("e2", "in:0:9", "L")]) == 1
        assert "e1" not in held(redis_client, "L")  # claims: event id -> partition:offset:t
        assert held(redis_client, "L")["e2"].startswith("0:2:")
        assert dedup.duplicates([Claim("e1", "in:0:5", "L")]) == {}  # the resend is scored
    finally:
        dedup.close()


def test_a_dead_letter_topic_refusing_large_records_stops_the_scorer_with_one_line(
        fresh_settings: Settings, tmp_path: Path, kafka_admin) -> None:
    """The broker's limit below the producer's: the batch cannot commit on any retry, so the
    scorer must stop and say why, not abort and retry it for ever."""
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource

    settings = fresh_settings.model_copy(update={"model_name": f"m-{uuid.uuid4().hex[:8]}"})
    train_champion(settings)
    entry = ConfigEntry("max.message.bytes", "2000",
                        incremental_operation=AlterConfigOpType.SET)
    resource = ConfigResource(ConfigResource.Type.TOPIC, settings.topic_deadletter,
                              incremental_configs=[entry])
    for future in kafka_admin.incremental_alter_configs([resource]).values():
        future.result(30)
    noise = b"{" + os.urandom(6000)  # lz4 cannot shrink its dead letter below 2,000 bytes
    produce(settings, [Sent(b"k", noise, R.INVALID_JSON)])
    with ScorerProcess(settings, tmp_path / "scorer.log", "--max-events", "1") as p:
        code = p.wait(120)
        log = p.text()
    assert code != 0, log[-3000:]
    lines = [line for line in log.splitlines() if "refused as too large" in line]
    assert lines, log[-3000:]
    print("scorer stopped with:", lines[-1][:300])
