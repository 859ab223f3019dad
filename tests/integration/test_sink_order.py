"""The sink on the real broker and Redis: newest by log order, times of any year and zone,
CRM answers it cannot read, and the configured URL called exactly as given.

- A lead's later score stamped 60 s earlier (its partition moved to a scorer whose clock is
  behind) wins within a batch, and across batches, where the delivered-score store in Redis
  compares positions, not times.
- ``scored_at`` of year 1 and year 9999, naive and with offsets, in one batch with a lead
  whose scores are one naive and one aware: no crash; absurd ones dead-lettered with why.
- A webhook answering ``rejected`` entries without ``lead_id`` while a lead is called
  ``"None"``: dead letters carrying the answer (its secret masked), the batch committed.
- A URL with a key in its query: received exactly as configured; the key in no log line.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from confluent_kafka import Producer

from schemas.scored import ScoredLead
from streams.settings import Settings
from streams.sink.build import build_sink
from streams.sink.metrics import SinkMetrics
from streams.stack.children import LeadstreamProcess
from streams.stores.delivered import PREFIX
from tests.integration.helpers import read_topic
from tests.integration.test_sink import left_after_commit
from tests.support.crm_server import FakeCrm, Plan

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECRET = "qs-SECRET-9999"


def record(lead: str, score: float, scored_at: datetime | str) -> bytes:
    doc = ScoredLead(lead_id=lead, score=score, grade="B", model_name="m", model_version="3",
                     model_alias="champion", scored_at=T0, latency_ms=1.0,
                     source_partition=0, source_offset=0).model_dump(mode="json")
    doc["scored_at"] = scored_at if isinstance(scored_at, str) else scored_at.isoformat()
    return json.dumps(doc).encode()


def publish(settings: Settings, records: list[tuple[str, float, datetime | str]]) -> None:
    producer = Producer({**settings.kafka_config(), "enable.idempotence": True})
    for lead, score, at in records:
        producer.produce(settings.topic_scored, key=lead.encode(), value=record(lead, score, at))
    assert producer.flush(30) == 0


def run_sink(settings: Settings) -> SinkMetrics:
    metrics = SinkMetrics()
    build_sink(settings, metrics, idle_exit_s=3).run()
    return metrics


def letters(settings: Settings) -> list[dict]:
    return [json.loads(r.value) for r in read_topic(settings, settings.topic_sink_deadletter)]


def test_the_later_score_wins_whatever_its_clock_within_and_across_batches(
        make_settings, redis_client):
    tag = uuid.uuid4().hex[:8]
    skew = f"skew-{tag}"
    with FakeCrm() as crm:
        s = make_settings(sink_group=f"sink-{tag}", sink_url=crm.url + "/hooks/scores")
        publish(s, [(skew, 0.1, T0), (skew, 0.2, T0 - timedelta(seconds=60))])
        run_sink(s)
        assert crm.latest()[skew]["score"] == 0.2
        # across batches: the next score, stamped even earlier, is not "superseded"
        publish(s, [(skew, 0.5, T0 - timedelta(seconds=120))])
        metrics = run_sink(s)
        assert [e["score"] for e in crm.applied[skew]] == [0.2, 0.5]
        assert metrics.superseded._value.get() == 0
    last = max((r for r in read_topic(s, s.topic_scored) if r.key == skew.encode()),
               key=lambda r: r.offset)
    assert redis_client.hgetall(PREFIX + skew) == {str(last.partition).encode():
                                                   str(last.offset).encode()}
    assert left_after_commit(s) == 0


def test_times_of_any_year_naive_or_aware_are_handled(make_settings):
    tag = uuid.uuid4().hex[:8]
    mixed = f"mixed-{tag}"
    absurd = {f"y1-{tag}": ("0001-01-01T00:00:00", "past_scored_at"),
              f"y1z-{tag}": ("0001-01-01T00:00:00+01:00", "past_scored_at"),
              f"y9999-{tag}": ("9999-12-31T23:59:59", "future_scored_at"),
              f"y9999z-{tag}": ("9999-12-31T23:59:59-05:00", "future_scored_at")}
    with FakeCrm() as crm:
        s = make_settings(sink_group=f"sink-{tag}", sink_url=crm.url + "/hooks/scores")
        publish(s, [(mixed, 0.3, "2026-03-01T12:00:00"),  # naive, then aware and earlier
                    (mixed, 0.4, "2026-03-01T11:59:00+00:00"),
                    *((lead, 0.9, at) for lead, (at, _) in absurd.items())])
        run_sink(s)  # raised "year 0 is out of range", then the naive/aware TypeError
        assert {lead: e["score"] for lead, e in crm.latest().items()} == {mixed: 0.4}
        assert crm.latest()[mixed]["scored_at"] == "2026-03-01T11:59:00Z"
    got = {d["lead_id"]: d for d in letters(s)}
    assert {lead: d["reason"] for lead, d in got.items()} == {
        lead: reason for lead, (_, reason) in absurd.items()}
    assert all(d["response"].startswith("scored_at ") for d in got.values())
    assert left_after_commit(s) == 0


def test_an_unreadable_answer_is_dead_lettered_and_the_url_is_called_as_given(
        make_settings, tmp_path: Path):
    tag = uuid.uuid4().hex[:8]
    answer = json.dumps({"rejected": [{"reason": f"quota for {SECRET}"}]}).encode()
    with FakeCrm(Plan(answer=answer)) as crm:
        url = f"{crm.url}/hooks/scores?api_key={SECRET}"
        s = make_settings(sink_group=f"sink-{tag}")
        publish(s, [("None", 0.5, T0), (f"L-{tag}", 0.6, T0)])
        log = tmp_path / "sink.log"
        env = {"sink_url": url, "sink_token": "tok-SECRET-1234", "sink_backoff_s": 0.05}
        with LeadstreamProcess(["sink", "--idle-exit", "3", "--log-level", "DEBUG"], s, log,
                               **env) as sink:
            assert sink.wait(120) == 0, sink.tail()  # raised KeyError: 'lead_id'
        assert crm.requests and set(crm.requests) == {("POST", f"/hooks/scores?api_key={SECRET}")}
    got = {d["lead_id"]: d for d in letters(s)}
    assert set(got) == {"None", f"L-{tag}"}
    for d in got.values():
        assert d["reason"] == "crm_answer_unreadable" and d["status_code"] == 200
        assert "names no lead_id" in d["response"] and "quota for ***" in d["response"]
        assert SECRET not in d["response"]
    assert left_after_commit(s) == 0
    text = log.read_text()
    assert "sink stopped" in text and SECRET not in text and "tok-SECRET-1234" not in text
