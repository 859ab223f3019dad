"""Generated hostile batches through the scorer's whole batch step (:meth:`BatchStep.run`):
whole records (key of any size, headers, timestamp type and value, not only the value) get
exactly one outcome each, never an exception, every record passes the one size check, dead
letters are keyed by the first 1 KB of the key with its size and sha256, and only scored
events keep their event-id claims."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from schemas.leads import DeadLetter
from schemas.payload import KEY_KEPT_BYTES
from schemas.scored import ScoredLead
from scoring.grades import GradeScale
from scoring.serving import ServingPlan
from streams.kafka.io import translate
from streams.kafka.sizes import record_size
from streams.scorer.batch import BatchStep, OutputTopics
from streams.scorer.explain import Explanations
from tests.strategies.leads import hostile_event
from tests.strategies.records import WholeRecord, big_json, whole_records
from tests.unit.streams.scorer.fakes import MemoryDedup, picky

pytestmark = pytest.mark.fuzz

TOPICS = OutputTopics("scored", "dead", "shadow", "samples")
MAX_RECORD = 64 * 1024
POISON = 13.0  # a picky model fails on any batch holding engagement_score == 13


def _resend(lead: int, event_id: int) -> bytes:
    return json.dumps({"lead_id": f"R{lead}", "event_id": f"e{event_id}",
                       "engagement_score": POISON if lead % 3 == 0 else 50}).encode()


@lru_cache(maxsize=4)
def _batches(spec) -> st.SearchStrategy[list[WholeRecord]]:
    """Batches of whole records (built once per spec: costly to build per example)."""
    return st.lists(whole_records(
        hostile_event(spec) | big_json()
        | st.builds(_resend, st.integers(0, 5), st.integers(0, 3))), min_size=1, max_size=12)


@pytest.fixture(scope="module")
def served(tiny_model) -> dict[bool, tuple[ServingPlan, Explanations]]:
    """The plain and the picky model, each with its explainers, built once: an explainer
    copies its booster (per model in the scorer too, never per batch)."""
    plans = {False: ServingPlan(tiny_model),
             True: ServingPlan(picky(tiny_model, "engagement_score", POISON))}
    return {picky_model: (plan, Explanations(3, GradeScale(), frozenset({"A"}),
                                             budget_ms_per_lead=1e3))  # timing: not here
            for picky_model, plan in plans.items()}


@given(data=st.data(), picky_model=st.booleans())
def test_every_event_has_one_outcome(tiny_model, served, data: st.DataObject,
                                     picky_model: bool) -> None:
    plan, explanations = served[picky_model]
    records = data.draw(_batches(tiny_model.spec))
    values = [r.value for r in records]
    dedup = MemoryDedup()
    step = BatchStep(plan, dedup, TOPICS, max_payload_bytes=32 * 1024,
                     sample_prefix="fuzz", deadletter_payload_max_bytes=16 * 1024,
                     max_record_bytes=MAX_RECORD, explanations=explanations)
    messages = [r.message("in", 0, i) for i, r in enumerate(records)]
    result = step.run(translate(messages), "0:0-99")

    assert all(record_size(r.key, r.value) <= MAX_RECORD for r in result.records)
    scored = [ScoredLead.model_validate_json(r.value) for r in result.records
              if r.topic == "scored"]
    dead = [DeadLetter.model_validate_json(r.value) for r in result.records if r.topic == "dead"]
    outcomes = sorted([s.source_offset for s in scored] + [d.source_offset for d in dead])
    assert outcomes == list(range(len(values)))
    assert result.scored == len(scored) and sum(result.dead_letters.values()) == len(dead)
    samples = [r for r in result.records if r.topic == "samples"]
    assert len({r.value for r in samples}) == len(samples)
    # Only scored events hold claims; a scored event with an event id holds its own.
    held = {source for source in dedup.held.values()}
    scored_ids = {f"in:0:{s.source_offset}" for s in scored if s.event_id}
    assert held == scored_ids
    names = {f.name for f in tiny_model.spec.features}
    for s in scored:
        event("scored")
        assert len(s.reasons) <= 6 and {r.feature for r in s.reasons} <= names
        assert s.reasons_method in (("approx", "exact", None) if picky_model  # no .copy()
                                    else ("approx", "exact"))
        assert s.reasons_method is not None or s.reasons == []
        if picky_model:
            assert json.loads(values[s.source_offset]).get("engagement_score") != POISON
    for rec in result.records:
        if rec.topic == "dead":
            letter = DeadLetter.model_validate_json(rec.value)
            drawn = records[letter.source_offset]
            key = drawn.key
            assert letter.source_timestamp_ms == (None if drawn.timestamp_type == 0
                                                  else drawn.timestamp_ms)
            assert rec.key == (None if key is None else key[:KEY_KEPT_BYTES])
            assert letter.key_size == (None if key is None else len(key))
            assert letter.key_sha256 == (None if key is None else hashlib.sha256(key).hexdigest())
            event(letter.reason.value)
