"""No record stops an agent (real Kafka, Redis, MLflow, faust worker): bad outcomes, control
requests, rollback events, serving configs and monitor samples are dead-lettered or alerted
and skipped; outcomes of leads scored later are joined; every Redis key is bounded."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from confluent_kafka import Producer

from schemas.control import MODELS_CONTROL_REQUESTS, MODELS_ROLLBACK, ServingMode
from schemas.deadletters import DEADLETTER_TOPICS, RecordDeadLetter
from schemas.experiments import LEADS_OUTCOMES, Outcome
from schemas.ledger import LedgerEntry
from schemas.payload import KEY_KEPT_BYTES
from schemas.scored import Variant
from schemas.topics import TopicSpec
from streams.control.client import ServingConfigFeed, alerts, history, latest_config
from streams.kafka.topics import topic_name
from streams.settings import Settings
from streams.stores.bounds import BOUNDED_WITHOUT_TTL, unbounded
from streams.stores.experiments import ExperimentStore
from streams.stores.ledger import Ledger
from streams.stores.parked import ParkedOutcomes
from tests.integration.agents_support import AgentsProcess, registered_versions, run_cli
from tests.integration.helpers import read_topic, wait_until
from tests.integration.outcome_helpers import outcomes_committed

NOW = datetime(2025, 3, 2, tzinfo=UTC)


def produce_raw(settings: Settings, topic: str, records: list[tuple[bytes | None, bytes]]):
    producer = Producer(settings.kafka_config())
    for key, value in records:
        producer.produce(topic, value, key)
    assert producer.flush(30) == 0


def dead_letters(settings: Settings, source: TopicSpec) -> list[RecordDeadLetter]:
    topic = topic_name(settings, DEADLETTER_TOPICS[source.name])
    return [RecordDeadLetter.model_validate_json(r.value) for r in read_topic(settings, topic)]


def wait_letters(settings: Settings, source: TopicSpec, n: int, agents) -> list:
    found: list[RecordDeadLetter] = []

    def enough() -> bool:
        found[:] = dead_letters(settings, source)
        return len(found) >= n

    wait_until(enough, 60, f"{n} dead letters of {source.name}\n{agents.tail()}")
    return found


# --- the controller -------------------------------------------------------------------------
@pytest.fixture
def control(make_settings, tmp_path: Path):
    settings: Settings = make_settings(
        home=tmp_path, mlflow_tracking_uri=f"sqlite:///{tmp_path}/mlflow.db",
        rollback_cooldown_s=0.0, control_wait_s=60.0)
    versions = registered_versions(settings, 2)
    with AgentsProcess(settings, tmp_path / "agents.log") as agents:
        yield settings, versions, agents


def _request(settings: Settings, **fields) -> bytes:
    return json.dumps({"request_id": uuid.uuid4().hex, "model_name": settings.model_name,
                       "actor": "pytest", "requested_at": datetime.now(UTC).isoformat(),
                       **fields}).encode()


def test_bad_control_records_are_dead_lettered_and_the_controller_goes_on(control):
    settings, versions, agents = control
    name = settings.model_name.encode()
    produce_raw(settings, settings.topic_models_control_requests, [
        (b"k" * 200, b"{not json"),
        (name, _request(settings, action="start_experiment", mode="canary",
                        challenger_version="2", canary_steps=[0.5, 0.1])),
        (name, _request(settings, action="promote_version", version="../../etc")),
    ])
    produce_raw(settings, settings.topic_models_rollback, [(name, b'{"event_id": 1}')])
    letters = wait_letters(settings, MODELS_CONTROL_REQUESTS, 3, agents)
    assert sorted(x.reason.value for x in letters) == ["invalid_json", "schema_violation",
                                                       "schema_violation"]
    assert "canary_steps" in " ".join(x.message for x in letters)
    assert {x.payload_size for x in letters} >= {len(b"{not json")}
    (rollback,) = wait_letters(settings, MODELS_ROLLBACK, 1, agents)
    assert rollback.reason.value == "schema_violation" and rollback.source_offset == 0

    # a version the registry does not have: refused, alerted, a clear CLI error
    out = run_cli(settings, "models", "promote", "21")
    assert out.exit_code != 0, out.output
    assert "unknown_version" in out.output and "version 21" in out.output
    # the controller is alive: a good request is applied
    ok = run_cli(settings, "experiment", "start", "--mode", "ab", "--challenger", versions[1],
                 "--share", "0.5")
    assert ok.exit_code == 0, ok.output + agents.tail()
    config = latest_config(settings, settings.model_name)
    assert config.mode is ServingMode.AB and config.challenger_version == versions[1]
    assert [e.action for e in history(settings, settings.model_name)] == ["start_experiment"]
    kinds = [a.kind for a in alerts(settings, settings.model_name)]
    assert kinds.count("invalid_request") >= 2 and "unknown_version" in kinds
    assert any(a.model_name == "k" * 128 for a in alerts(settings, "k" * 128))
    assert agents.alive


def test_an_invalid_serving_config_keeps_the_one_in_force(control):
    settings, versions, agents = control
    ok = run_cli(settings, "models", "promote", versions[1])
    assert ok.exit_code == 0, ok.output + agents.tail()
    name = settings.model_name.encode()
    bad = latest_config(settings, settings.model_name).model_dump(mode="json")
    bad.update(sequence=99, canary_steps=[0.9, 0.1])
    produce_raw(settings, settings.topic_models_control,
                [(name, json.dumps(bad).encode()), (name, b"\xff\xfe")])
    feed = ServingConfigFeed(settings, settings.model_name)
    try:
        current = feed.current()  # a scorer starting now: the last valid config, no crash
        assert current is not None and current.champion_version == versions[1]
        assert current.sequence < 99 and feed.poll() is None
    finally:
        feed.close()
    wait_until(lambda: [a.kind for a in alerts(settings, settings.model_name)].count(
        "invalid_config") >= 2, 60, f"invalid_config alerts\n{agents.tail()}")
    again = run_cli(settings, "models", "rollback")
    assert again.exit_code == 0, again.output + agents.tail()
    assert latest_config(settings, settings.model_name).champion_version == versions[0]


# --- outcomes: dead letters, parked outcomes joined, Redis bounds --------------------------
def _entries(ids: list[str]) -> list[LedgerEntry]:
    return [LedgerEntry(lead_id=i, model_name="m", model_version="1", variant=Variant.CHAMPION,
                        score=0.5, features={"industry": "saas"}, scored_at=NOW,
                        event_id=f"ev-{i}") for i in ids]


def test_outcomes_bad_records_dead_lettered_late_scores_joined_redis_bounded(
        fresh_settings, redis_client, tmp_path: Path):
    settings = fresh_settings.model_copy(update={"outcome_retry_s": 0.5, "outcome_park_max": 4})
    ledger = Ledger.from_settings(settings)
    assert ledger.write(_entries([f"known-{i}" for i in range(5)])).written == 5
    good = [Outcome(lead_id=f"known-{i}", converted=i % 2 == 0, occurred_at=NOW)
            for i in range(5)]
    ghosts = [Outcome(lead_id=f"ghost-{i}", converted=True, occurred_at=NOW) for i in range(6)]
    bad = [b"{not json", b"[" * 5000 + b"]" * 5000,
           b'{"lead_id": "x", "converted": true, "occurred_at": "0001-01-01T00:00:00"}',
           b'{"lead_id": "x", "converted": true, "occurred_at": "9999-12-31T23:59:59-05:00"}']
    records = [(o.lead_id.encode(), o.model_dump_json().encode()) for o in good + ghosts]
    records[3:3] = [(b"x", v) for v in bad]
    parked = ParkedOutcomes(redis_client, settings.outcome_park_ttl_s, settings.outcome_park_max)
    store = ExperimentStore(redis_client)
    with AgentsProcess(settings, tmp_path / "agents.log") as agents:
        produce_raw(settings, settings.topic_leads_outcomes, records)
        wait_until(lambda: outcomes_committed(settings), 60, f"outcomes\n{agents.tail()}")
        letters = wait_letters(settings, LEADS_OUTCOMES, 6, agents)
        reasons = sorted(x.reason.value for x in letters)
        assert reasons == ["invalid_json"] * 2 + ["never_scored"] * 2 + ["schema_violation"] * 2
        assert parked.count() == 4  # the bound: two ghosts pushed out, dead-lettered
        waiting = sorted(p.outcome().lead_id for p in parked.all())
        gone = {x.payload().decode() for x in letters if x.reason.value == "never_scored"}
        assert {Outcome.model_validate_json(g).lead_id for g in gone} | set(waiting) == \
            {o.lead_id for o in ghosts}
        # their scores arrive: the parked outcomes are joined and unparked
        assert ledger.write(_entries(waiting)).written == 4
        wait_until(lambda: parked.count() == 0, 30, f"parked outcomes joined\n{agents.tail()}")
        tally = store.tallies("version:1")[Variant.CHAMPION]
        assert (tally.outcomes, tally.conversions) == (5 + 4, 3 + 4)
        assert agents.alive
    _assert_every_key_bounded(redis_client)


POISON_KEY = (bytes(range(256)) * 2735)[:700_000]


def test_whole_hostile_records_on_outcomes_are_handled_or_one_capped_dead_letter(
        fresh_settings, redis_client, tmp_path: Path):
    """Key (700,000 bytes, none), headers (300, names repeated) and timestamp (1970) are
    input too: each record is joined or is one dead letter keyed by the key's first 1 KB,
    and the agent goes on."""
    settings = fresh_settings
    ledger = Ledger.from_settings(settings)
    assert ledger.write(_entries([f"known-{i}" for i in range(3)])).written == 3
    pad = "n" * 290_000

    def outcome(lead: str, converted: object = True) -> bytes:
        return json.dumps({"lead_id": lead, "converted": converted,
                           "occurred_at": NOW.isoformat(), "notes": pad}).encode()

    headers = [("h", b"x" * 100)] * 300 + [("", None), ("h", b"")]
    records = [(POISON_KEY, outcome("poison", "maybe"), None, 0),
               (None, b"{not json", None, 0),
               (b"k", outcome("known-0"), headers, 0),
               (b"k", outcome("known-1"), None, 1),
               (POISON_KEY, outcome("known-2"), None, 0)]
    producer = Producer(settings.kafka_config())
    for key, value, hdrs, ts in records:
        producer.produce(settings.topic_leads_outcomes, value, key, headers=hdrs, timestamp=ts)
    assert producer.flush(30) == 0
    store = ExperimentStore(redis_client)
    with AgentsProcess(settings, tmp_path / "agents.log") as agents:
        wait_until(lambda: outcomes_committed(settings), 60, f"outcomes\n{agents.tail()}")
        letters = wait_letters(settings, LEADS_OUTCOMES, 2, agents)
        assert sorted(x.reason.value for x in letters) == ["invalid_json", "schema_violation"]
        by_reason = {x.reason.value: x for x in letters}
        poison = by_reason["schema_violation"]
        assert poison.key_size == len(POISON_KEY)
        assert poison.key_sha256 == hashlib.sha256(POISON_KEY).hexdigest()
        assert by_reason["invalid_json"].key_size is None
        raw = read_topic(settings, topic_name(settings, DEADLETTER_TOPICS[LEADS_OUTCOMES.name]))
        assert sorted(len(r.key or b"") for r in raw) == [0, KEY_KEPT_BYTES]
        wait_until(lambda: store.tallies("version:1")[Variant.CHAMPION].outcomes == 3, 30,
                   f"three outcomes joined\n{agents.tail()}")
        assert agents.alive


def _assert_every_key_bounded(client) -> None:
    keys = [k.decode() for k in client.scan_iter(match="leadstream:*", count=1000)]
    assert any(k.startswith("leadstream:labels:") for k in keys)
    assert any(k.startswith("leadstream:exp:") for k in keys)
    assert any(k.startswith("leadstream:lead:") for k in keys)
    loose = {k: client.ttl(k) for k in keys}
    bad = sorted(k for k, ttl in loose.items() if unbounded(k, ttl))
    assert bad == [], f"keys with no TTL outside {sorted(BOUNDED_WITHOUT_TTL)}: {bad}"
