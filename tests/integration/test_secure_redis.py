"""One Redis ACL user per principal on a real redis-server with the secured stack's
``users.acl`` (``streams/stack/redis_acls.toml``): each principal does its job through the
stores, and is refused outside it (keys of other structures, writes of a reader, admin
commands), with Redis' own NOPERM error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis

from schemas.experiments import Outcome
from schemas.ledger import LedgerEntry
from schemas.scored import Variant
from streams.settings import Settings
from streams.stack.credentials import StackCredentials, ensure_credentials, redis_url
from streams.stack.redis_server import start_redis
from streams.stores import delivered, signatures, status
from streams.stores.dedup import Claim, Deduplicator
from streams.stores.erasure import erase, erasers
from streams.stores.experiments import ExperimentStore
from streams.stores.history import History, HistoryRows, element
from streams.stores.labels import LabelWindow
from streams.stores.ledger import Ledger, redis_client
from streams.stores.parked import ParkedOutcomes

NOW = datetime(2026, 3, 1, tzinfo=UTC)
TTL = 3600
NOPERM = redis.exceptions.NoPermissionError


@pytest.fixture(scope="module")
def acl_redis(spare_stack) -> Iterator[tuple[Settings, StackCredentials]]:
    """A secured stack's Redis alone (no Kafka): credentials drawn, users.acl written."""
    settings = spare_stack()
    creds = ensure_credentials(settings)
    start_redis(settings)
    yield settings, creds


@pytest.fixture
def as_(acl_redis) -> Iterator:
    settings, creds = acl_redis
    clients: list[redis.Redis] = []

    def connect(principal: str) -> redis.Redis:
        clients.append(redis_client(redis_url(settings, creds, principal), 5.0))
        return clients[-1]

    yield connect
    for client in clients:
        client.close()


def entry(lead: str) -> LedgerEntry:
    return LedgerEntry(lead_id=lead, model_name="m", model_version="1",
                       variant=Variant.TREATMENT, experiment_id="exp-acl", score=0.25,
                       features={"industry": "saas"}, scored_at=NOW, event_id=f"ev-{lead}")


def score_as_scorer(client: redis.Redis, lead: str) -> None:
    """What the scorer writes for one lead: ledger (+ assignment), dedup claim, history."""
    ledger = Ledger(client, TTL)
    assert ledger.write([entry(lead)]).written == 1 and ledger.missed_total == 0
    dedup = Deduplicator(client, TTL)
    claim = [Claim(f"ev-{lead}", "in:0:1", lead)]
    assert dedup.duplicates(claim) == {} and dedup.skipped_batches == 0
    assert dedup.duplicates([Claim(f"ev-{lead}", "in:0:2", lead)]) == {0: "in:0:1"}
    history = History(client, 20, TTL, now=lambda: 1)
    assert history.record(HistoryRows([lead], [element(0, 1, "0.25", "C", "1", 1)])) == 1
    assert history.previous([(lead, 0, 2)]) == [0.25]


def test_the_scorer_writes_its_structures_and_nothing_else(as_):
    scorer = as_("scorer")
    score_as_scorer(scorer, "S1")
    assert scorer.ping()
    refused = {
        "sink's watermark": lambda: scorer.get(f"{delivered.PREFIX}S1"),
        "experiment outcomes": lambda: scorer.hget("leadstream:exp:exp-acl:leads", "S1"),
        "serving state": lambda: scorer.set(status.SERVING.format(model="m"), "{}"),
        "a signature": lambda: scorer.set(signatures.KEY.format(replay_id="x"), "1"),
        "a key outside leadstream": lambda: scorer.get("elsewhere"),
        "FLUSHALL": scorer.flushall,
        "KEYS": lambda: scorer.keys("*"),
        "CONFIG": lambda: scorer.config_get("dir"),
        "INFO": scorer.info,
    }
    for what, call in refused.items():
        with pytest.raises(NOPERM):
            call()
            pytest.fail(f"the scorer could touch {what}")


def test_the_sink_keeps_only_its_delivered_watermarks(as_):
    sink = as_("sink")
    key = f"{delivered.PREFIX}K1"
    assert sink.set(key, "1:0", ex=TTL) and sink.mget([key]) == [b"1:0"]
    assert sink.delete(key) == 1
    assert sink.get("leadstream:erased-key") is None  # reads which leads were erased
    with pytest.raises(NOPERM):
        sink.set("leadstream:erased-key", "k")
    for call in (lambda: sink.get("leadstream:lead:K1"), lambda: sink.get("leadstream:ledger:K1"),
                 lambda: sink.lrange("leadstream:history:K1", 0, -1),
                 lambda: sink.set("leadstream:dedup:x", "1"), sink.flushdb):
        with pytest.raises(NOPERM):
            call()


def test_the_agents_count_outcomes_and_erase_from_every_structure(as_):
    score_as_scorer(as_("scorer"), "A1")
    agents = as_("agents")
    ledger = Ledger(agents, TTL)
    e = ledger.get("A1")
    assert e is not None
    outcome = Outcome(lead_id="A1", converted=True, occurred_at=NOW)
    assert ExperimentStore(agents, TTL).record(outcome, e).changed
    assert LabelWindow(agents, 100, TTL).record(e, outcome)
    later = Outcome(lead_id="A1", converted=False, occurred_at=NOW, event_id="o2")
    assert ParkedOutcomes(agents, TTL, 100).park("A1|o2", later, 1)[0]
    assert as_("sink").set(f"{delivered.PREFIX}A1", "1:0", ex=TTL)
    assert agents.set(signatures.KEY.format(replay_id="r1"), "in:0:1", nx=True, ex=TTL)
    assert agents.set(status.SERVING.format(model="m"), "{}")
    settings = Settings(_env_file=None)
    removed = erase(erasers(agents, settings), "A1")
    # the lead's state key (ledger row, claims, history) goes with the ledger, the first
    assert removed["ledger"] >= 2 and removed["delivered"] == 1
    assert removed["experiments"] == 1 and not agents.exists("leadstream:lead:A1")
    # erasure has Redis rewrite its persistence files, and reads how far that got
    assert "aof_enabled" in agents.info("persistence") and "save" in agents.config_get("save")
    assert agents.bgrewriteaof()
    for call in (agents.flushall, lambda: agents.keys("*"), lambda: agents.get("elsewhere"),
                 lambda: agents.config_set("appendonly", "no")):
        with pytest.raises(NOPERM):
            call()


@pytest.mark.parametrize("principal", ["operator", "dashboard"])
def test_readers_read_every_structure_and_write_none(as_, principal):
    lead = f"R-{principal}"
    score_as_scorer(as_("scorer"), lead)
    assert as_("agents").set(status.SERVING.format(model="m"), '{"sequence": 1}')
    reader = as_(principal)
    assert Ledger(reader, TTL).get(lead) == entry(lead)
    assert [d["score"] for d in History(reader, 20, TTL, now=lambda: 1).entries(lead)] == [0.25]
    assert lead in [x.lead_id for x in Ledger(reader, TTL).scan()]
    assert reader.get(status.SERVING.format(model="m")) == b'{"sequence": 1}'
    assert ExperimentStore(reader, TTL).last_report("exp-acl") is None
    refused = {
        "forget": lambda: Ledger(reader, TTL).forget(lead),
        "a write": lambda: reader.set(status.SERVING.format(model="m"), "{}"),
        "a script": lambda: Deduplicator(reader, TTL)._script(keys=["leadstream:lead:x"],
                                                             args=[1, 1, 1, 1, "p", "e"]),
        "FLUSHDB": reader.flushdb,
    }
    for what, call in refused.items():
        with pytest.raises(NOPERM):
            call()
            pytest.fail(f"{principal} could do {what}")
    assert Ledger(as_("agents"), TTL).get(lead) is not None  # nothing was deleted


def test_crm_may_only_log_in(as_):
    crm = as_("crm")
    assert crm.ping()
    for call in (lambda: crm.get("leadstream:lead:R1"), lambda: crm.set("leadstream:x", "1")):
        with pytest.raises(NOPERM):
            call()


def test_no_user_without_a_password_and_none_shares_one(acl_redis):
    settings, creds = acl_redis
    anonymous = redis.Redis(host="127.0.0.1", port=settings.redis_port, socket_timeout=5)
    with pytest.raises(redis.AuthenticationError):
        anonymous.ping()
    anonymous.close()
    urls = {p: redis_url(settings, creds, p) for p in creds.redis_users}
    assert len(set(creds.redis_users.values())) == len(creds.redis_users) == 6
    assert all(f"redis://{p}:" in url for p, url in urls.items())
    swapped = redis.Redis(host="127.0.0.1", port=settings.redis_port, username="scorer",
                          password=creds.redis_users["operator"], socket_timeout=5)
    with pytest.raises(redis.AuthenticationError):
        swapped.ping()
    swapped.close()
