"""Per-event isolation in the batch step: a failure of a whole batch is narrowed down to
the events that cause it; only they are dead-lettered and only their claims released."""

from __future__ import annotations

import hashlib
import json

import pytest
from confluent_kafka import KafkaError, KafkaException, Message
from pydantic import ValidationError

from schemas.leads import DeadLetter
from schemas.monitor import MonitorSample
from schemas.payload import PayloadPolicy
from schemas.scored import ScoredLead
from scoring.serving import ServingPlan
from streams.kafka.io import TxnAction, classify_txn_error, letter_payload_limit, translate
from streams.kafka.transaction import _fatal_message
from streams.scorer import records
from streams.scorer.batch import BatchStep, OutputTopics
from streams.settings import Settings
from streams.stores.dedup import Claim, Deduplicator
from tests.unit.streams.scorer.fakes import MemoryDedup, picky

TOPICS = OutputTopics("scored", "dead", None, "samples")


def _lead(i: int, score: float = 50.0, **extra: object) -> bytes:
    return json.dumps({"lead_id": f"L{i}", "event_id": f"e{i}", "engagement_score": score,
                       **extra}).encode()


def _consumed(values: list[bytes], first_offset: int = 0):
    return translate([Message(topic="in", partition=0, offset=first_offset + i, key=b"k",
                              value=v, timestamp=(1, 1_000)) for i, v in enumerate(values)])


def _split(result) -> tuple[list[ScoredLead], list[DeadLetter], list[MonitorSample]]:
    by = {"scored": ScoredLead, "dead": DeadLetter, "samples": MonitorSample}
    out: dict[str, list] = {k: [] for k in by}
    for r in result.records:
        out[r.topic].append(by[r.topic].model_validate_json(r.value))
    return out["scored"], out["dead"], out["samples"]


def test_a_record_that_cannot_be_built_costs_only_its_event(tiny_model, monkeypatch):
    real = records.scored_records

    def fragile(topic, name, served, batch, grades, *args):
        if any(lead.lead_id == "L13" for lead in batch.leads):
            raise OverflowError("date value out of range")
        return real(topic, name, served, batch, grades, *args)

    monkeypatch.setattr(records, "scored_records", fragile)
    dedup = MemoryDedup()
    step = BatchStep(ServingPlan(tiny_model), dedup, TOPICS)
    result = step.run(_consumed([_lead(i) for i in range(40)]), "0:0-39")
    scored, dead, samples = _split(result)
    assert sorted(s.lead_id for s in scored) == sorted(f"L{i}" for i in range(40) if i != 13)
    assert [(d.lead_id, d.reason.value, d.message) for d in dead] == [
        ("L13", "internal_error", "score: OverflowError: date value out of range")]
    assert result.scored == 39 and result.dead_letters == {"internal_error": 1}
    assert "e13" not in dedup.held and len(dedup.held) == 39
    assert len({s.sample_id for s in samples}) == len(samples)
    assert sum(s.n_scored for s in samples) == 39 and sum(s.n_rejected for s in samples) == 1


def test_a_model_failing_on_some_events_dead_letters_only_them_and_frees_their_ids(
        tiny_model):
    dedup = MemoryDedup()
    step = BatchStep(ServingPlan(picky(tiny_model, "engagement_score", 13.0)), dedup, TOPICS)
    values = [_lead(i, 13.0 if i in (3, 17) else 50.0) for i in range(30)]
    scored, dead, samples = _split(step.run(_consumed(values), "0:0-29"))
    assert len(scored) == 28 and {d.lead_id for d in dead} == {"L3", "L17"}
    assert {d.reason.value for d in dead} == {"scoring_failed"}
    assert sum(s.n_failed for s in samples) == 2
    assert set(dedup.held) == {f"e{i}" for i in range(30)} - {"e3", "e17"}
    # The CRM resends L3 (same event id) after a fix: it is scored, not a duplicate.
    step.plan = ServingPlan(tiny_model)
    scored, dead, _ = _split(step.run(_consumed([_lead(3, 13.0)], 500), "0:500-500"))
    assert [s.lead_id for s in scored] == ["L3"] and not dead


def test_a_batch_every_event_of_which_fails_is_all_dead_letters_not_a_crash(tiny_model,
                                                                            monkeypatch):
    def broken(self, leads):
        if leads:
            raise MemoryError("encoder")
        return real(self, leads)

    real = type(tiny_model.encoder).encode_leads
    monkeypatch.setattr(type(tiny_model.encoder), "encode_leads", broken)
    step = BatchStep(ServingPlan(tiny_model), MemoryDedup(), TOPICS)
    scored, dead, samples = _split(step.run(_consumed([_lead(i) for i in range(9)]), "t"))
    assert not scored and sorted(d.source_offset for d in dead) == list(range(9))
    assert {d.reason.value for d in dead} == {"internal_error"}
    assert sum(s.n_rejected for s in samples) == 9


def test_a_record_over_the_producers_limit_becomes_its_events_dead_letter(tiny_model):
    step = BatchStep(ServingPlan(tiny_model), Deduplicator(None, 0),
                     OutputTopics("scored", "dead"), max_record_bytes=850)
    long = _lead(0, lead_id="x" * 128, event_id="y" * 128)
    scored, dead, _ = _split(step.run(_consumed([_lead(1), long, _lead(2)])))
    assert [s.lead_id for s in scored] == ["L1", "L2"]
    assert [(d.source_offset, d.reason.value) for d in dead] == [(1, "internal_error")]
    assert dead[0].message.startswith("score: RecordTooLarge")


def test_the_letter_payload_limit_follows_the_producers_record_limit():
    assert letter_payload_limit(256 * 1024, 1_000_000) == 256 * 1024
    assert letter_payload_limit(256 * 1024, 200_000) == (200_000 - 16 * 1024) * 3 // 4
    assert letter_payload_limit(256 * 1024, 1000) == 0


def test_a_too_large_record_is_fatal_never_retried_for_ever():
    err = KafkaException(KafkaError(KafkaError.MSG_SIZE_TOO_LARGE, "Message size too large"))
    assert classify_txn_error(err) is TxnAction.FATAL
    assert "max.message.bytes" in _fatal_message(err) and "fenced" not in _fatal_message(err)


def test_settings_bound_the_dead_letter_payload():
    assert Settings().deadletter_payload_max_bytes == 256 * 1024
    assert Settings(kafka_extra={"message.max.bytes": "2000000"}).max_record_bytes == 2_000_000
    with pytest.raises(ValidationError):
        Settings(deadletter_payload_max_bytes=600 * 1024)


class _Script:
    def __init__(self, reply):
        self.reply, self.calls = reply, []

    def __call__(self, keys, args):
        self.calls.append((keys, args))
        return self.reply


class _Redis:
    def __init__(self, script):
        self.script = script

    def register_script(self, _lua):
        return self.script


def test_release_sends_each_claim_with_its_source_in_one_call():
    script = _Script(2)
    dedup = Deduplicator(_Redis(script), ttl_s=60, key_ttl_s=90, now=lambda: 1_000.5)
    assert dedup.release([Claim("e1", "in:0:1", "a"), Claim("e\t2", "in:0:2", "b")]) == 2
    assert script.calls == [(["leadstream:lead:a", "leadstream:lead:b"],
                             [90, "rs", "in:0:1\nin:0:2", "e1", "e\\t2"])]
    assert dedup.release([]) == 0 and len(script.calls) == 1


def test_an_event_whose_dead_letter_cannot_be_built_still_gets_one(tiny_model, monkeypatch):
    import scoring.intake as intake

    def no_letter(event, error, now, limit=0, policy=None):
        raise RecursionError("deep")

    monkeypatch.setattr(intake, "dead_letter", no_letter)
    step = BatchStep(ServingPlan(tiny_model), MemoryDedup(), TOPICS)
    scored, dead, _ = _split(step.run(_consumed([_lead(0), b"{bad", _lead(2)])))
    assert [s.lead_id for s in scored] == ["L0", "L2"]
    assert [(d.source_offset, d.reason.value) for d in dead] == [(1, "internal_error")]
    assert dead[0].payload() == b"{bad" and "RecursionError" in dead[0].message


def test_the_hash_policy_keeps_no_byte_of_a_rejected_event(tiny_model):
    step = BatchStep(ServingPlan(tiny_model), MemoryDedup(), TOPICS,
                     deadletter_payload=PayloadPolicy.HASH)
    bad = b'{"lead_id": "L9", "company_size": "MARKER-NOT-A-NUMBER"}'
    scored, dead, _ = _split(step.run(_consumed([_lead(0), bad])))
    assert [s.lead_id for s in scored] == ["L0"]
    (letter,) = dead
    assert letter.payload_b64 == "" and letter.payload_size == len(bad)
    assert letter.payload_sha256 == hashlib.sha256(bad).hexdigest()
    assert letter.errors and "MARKER" not in letter.model_dump_json()
