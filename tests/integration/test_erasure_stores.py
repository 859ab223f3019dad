"""Every store's ``forget`` on the real Redis: the lead's keys, fields and members go,
its neighbours stay (a lead id that is a prefix of another, with the ``|`` separator of
parked identities), a second erasure removes nothing; a lead's claims keep their bound."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import redis
from pydantic import SecretStr

from schemas.experiments import Outcome
from schemas.ledger import LedgerEntry
from schemas.scored import Variant
from scoring.writeback.score import WritebackScore
from streams.stores.dedup import Claim, Deduplicator, held, lead_index_key
from streams.stores.delivered import Delivered
from streams.stores.erased import ErasedLeads
from streams.stores.erasure import erase, erasers
from streams.stores.erasure_requests import AppliedErasures
from streams.stores.experiments import ExperimentStore, outcome_identity
from streams.stores.history import History, HistoryRows, element
from streams.stores.labels import LabelWindow
from streams.stores.ledger import Ledger
from streams.stores.parked import ParkedOutcomes
from streams.stores.persistence import rewrite_persistence

NOW = datetime(2026, 3, 1, tzinfo=UTC)
GONE, NEIGHBOUR = "L", "L|x"  # the neighbour's parked identity starts with "L|"


def entry(lead: str, variant: Variant) -> LedgerEntry:
    return LedgerEntry(lead_id=lead, model_name="m", model_version="1", variant=variant,
                       experiment_id="exp-1", score=0.25, features={"industry": "saas"},
                       scored_at=NOW, event_id=f"ev-{lead}")


def fill(client: redis.Redis, settings) -> None:
    ttl = 3600
    ledger, store = Ledger(client, ttl), ExperimentStore(client, ttl)
    labels = LabelWindow(client, 100, ttl)
    parked = ParkedOutcomes(client, ttl, 100)
    dedup = Deduplicator(client, ttl)
    for lead, variant in ((GONE, Variant.CONTROL), (NEIGHBOUR, Variant.TREATMENT)):
        e = entry(lead, variant)
        assert ledger.write([e]).written == 1
        outcome = Outcome(lead_id=lead, converted=True, occurred_at=NOW)
        assert store.record(outcome, e).changed and labels.record(e, outcome)
        later = Outcome(lead_id=lead, converted=False, occurred_at=NOW, event_id="o2")
        assert parked.park(outcome_identity(later), later, 1)[0]
        claims = [Claim(f"{lead}-ev{i}", f"in:0:{i}", lead) for i in range(3)]
        assert dedup.duplicates(claims) == {}
        ws = WritebackScore(lead, 0.5, "B", "m", "1", "champion", NOW, 0, 1)
        assert Delivered(client, ttl).record([ws])
        assert History(client, 20, ttl, now=lambda: 1).record(HistoryRows([lead],
                                                           [element(0, 1, "0.5", "B", "1", 1)]))


def mentions(client: redis.Redis, text: str) -> list[str]:
    """Keys whose name or content holds ``text`` (a scan: fine in a test)."""
    return [key.decode() for key in client.scan_iter(count=1000)
            if text.encode() in key or text.encode() in _content(client, key.decode())]


def test_each_store_forgets_only_its_lead(fresh_settings, redis_client):
    fill(redis_client, fresh_settings)
    stores = erasers(redis_client, fresh_settings)
    removed = erase(stores, GONE)
    # the lead's state key (ledger row, claims, history) goes with the ledger, the first
    assert removed == {"ledger": 2, "experiments": 1, "labels": 2, "parked_outcomes": 2,
                       "dedup": 0, "delivered": 1, "history": 0}
    # what is left of "L" is the neighbour's data only ("L|x" holds "L")
    for key in mentions(redis_client, GONE):
        assert NEIGHBOUR in key or NEIGHBOUR.encode() in _content(redis_client, key), key
    assert not mentions(redis_client, "L-ev")
    assert Ledger(redis_client, 60).get(NEIGHBOUR) is not None
    assert len(ParkedOutcomes(redis_client, 60, 100).all()) == 1
    assert len(held(redis_client, NEIGHBOUR)) == 3
    assert History(redis_client, 20, 3600, now=lambda: 1).entries(NEIGHBOUR) != []
    assert erase(stores, GONE) == dict.fromkeys(removed, 0)
    assert erase(stores, "nobody") == dict.fromkeys(removed, 0)


def _content(client: redis.Redis, key: str) -> bytes:
    """Every value, field and member of ``key``, joined by NUL bytes."""
    kind = client.type(key).decode()
    if kind == "string":
        return client.get(key) or b""
    if kind == "hash":
        return b"\0".join(b for kv in client.hgetall(key).items() for b in kv)
    if kind == "set":
        return b"\0".join(client.smembers(key))
    if kind == "list":
        return b"\0".join(client.lrange(key, 0, -1))
    return b"\0".join(client.zrange(key, 0, -1))


def test_the_dedup_index_keeps_its_bound_and_drops_the_oldest_claims(fresh_settings,
                                                                     redis_client):
    dedup = Deduplicator(redis_client, 600, lead_max_events=3)
    for i in (0, 1, 3, 2, 4):  # one batch each; the oldest is the lowest offset
        assert dedup.duplicates([Claim(f"e{i}", f"in:0:{i}", "busy")]) == {}
    assert {e: v.rsplit(":", 1)[0] for e, v in held(redis_client, "busy").items()} == {
        "e2": "0:2", "e3": "0:3", "e4": "0:4"}
    assert 0 < redis_client.ttl(lead_index_key("busy")) <= 600
    assert dedup.duplicates([Claim("e0", "in:0:9", "busy")]) == {}  # dropped: scored again
    assert dedup.release([Claim("e4", "in:0:4", "busy")]) == 1
    assert dedup.release([Claim("e3", "in:0:8", "busy")]) == 0  # held by another position
    assert len(held(redis_client, "busy")) == 2
    assert dedup.forget("busy") == 3 and not redis_client.exists(lead_index_key("busy"))


def test_a_claim_seen_again_at_its_own_position_stays_indexed(fresh_settings, redis_client):
    dedup = Deduplicator(redis_client, 600)
    claim = Claim("again", "in:0:9", "lead-a")
    assert dedup.duplicates([claim]) == {} and dedup.duplicates([claim]) == {}
    assert dedup.duplicates([Claim("again", "in:0:10", "lead-a")]) == {0: "in:0:9"}
    assert [v.rsplit(":", 1)[0] for v in held(redis_client, "lead-a").values()] == ["0:9"]
    assert timedelta(seconds=redis_client.ttl(lead_index_key("lead-a"))) <= timedelta(600)
    assert dedup.duplicates([Claim("again", "in:1:3", "lead-b")]) == {}  # another lead's


def test_the_earlier_three_key_layout_is_read_then_converted_on_first_touch(
        fresh_settings, redis_client):
    """Before: the ledger row, the history list and the claims hash, one key each. The
    ledger and history read them while the lead is not touched; its next claim moves all
    three into the lead key (the claims still hold) and deletes them."""
    row = entry("old", Variant.CONTROL)
    Ledger(redis_client, 600).write([row])
    value = redis_client.get(lead_index_key("old")).split(b"\n")[0]
    redis_client.delete(lead_index_key("old"))
    redis_client.set("leadstream:ledger:old", value, ex=500)
    redis_client.rpush("leadstream:history:old", "0:1:0.5:B:1:100:c")
    redis_client.hset("leadstream:dedup-lead:old", mapping={"mine": "0:1", "a\nb": "0:0"})
    assert Ledger(redis_client, 600).get("old") == row
    history = History(redis_client, 20, 600, now=lambda: 100)
    assert [e["score"] for e in history.entries("old")] == [0.5]
    dedup = Deduplicator(redis_client, 600)
    assert dedup.duplicates([Claim("mine", "in:0:7", "old"), Claim("a\nb", "in:0:8", "old")]
                            ) == {0: "in:0:1", 1: "in:0:0"}
    assert not redis_client.exists("leadstream:ledger:old", "leadstream:history:old",
                                   "leadstream:dedup-lead:old")
    assert Ledger(redis_client, 600).get("old") == row
    assert [e["score"] for e in history.entries("old")] == [0.5]
    assert history.previous([("old", 0, 2)]) == [0.5]
    assert dedup.forget("old") == 3 and not redis_client.exists(lead_index_key("old"))


def test_forgotten_leads_are_kept_by_keyed_hash_for_the_lead_retention(fresh_settings,
                                                                       redis_client):
    s = fresh_settings.model_copy(update={"lead_retention_days": 3})
    sink_side, agent_side = ErasedLeads.of(redis_client, s), ErasedLeads.of(redis_client, s)
    assert sink_side.erased_at([GONE, NEIGHBOUR]) == {}
    agent_side.mark(GONE, 1_234)
    assert sink_side.erased_at([GONE, NEIGHBOUR, GONE]) == {GONE: 1_234}  # one shared key
    (key,) = redis_client.keys("leadstream:erased:*")
    assert GONE.encode() not in key and mentions(redis_client, GONE) == []
    assert 3 * 86_400 < redis_client.ttl(key) <= 4 * 86_400
    random_key = redis_client.get("leadstream:erased-key")
    expected = hmac.new(random_key, GONE.encode(), hashlib.sha256).hexdigest()
    assert key.decode() == f"leadstream:erased:{expected}"
    keyed = s.model_copy(update={"erased_hash_key": SecretStr("k" * 32)})
    assert ErasedLeads.of(redis_client, keyed).erased_at([GONE]) == {}  # another key


def test_an_erasure_request_id_is_claimed_once_but_redelivery_at_its_position_passes(
        fresh_settings, redis_client):
    applied = AppliedErasures(redis_client, 7)
    assert applied.claim("r1", "privacy.requests:0:5") is None
    assert applied.claim("r1", "privacy.requests:0:5") is None  # faust redelivered it
    assert applied.claim("r1", "privacy.requests:0:9") == "privacy.requests:0:5"
    assert 6 * 86_400 < redis_client.ttl("leadstream:erasure:applied:r1") <= 7 * 86_400


def test_persistence_is_rewritten_after_a_rewrite_already_under_way(fresh_settings,
                                                                    redis_client):
    """A rewrite running when the erasure asks may hold a fork from before it: it is waited
    out and a new one runs; both files report a run after the call."""
    redis_client.set("leadstream:ledger:probe", "x" * 100_000, ex=600)
    assert redis_client.config_get("save")["save"] == ""  # the stack takes no snapshots
    redis_client.config_set("save", "3600 1")  # a Redis that does: both files rewritten
    try:
        before = redis_client.info("persistence")
        redis_client.execute_command("BGREWRITEAOF")
        assert rewrite_persistence(redis_client, 60) == ["aof", "rdb"]
        after = redis_client.info("persistence")
    finally:
        redis_client.config_set("save", "")
    assert after["aof_rewrites"] >= before["aof_rewrites"] + 2
    assert after["rdb_saves"] >= before["rdb_saves"] + 1
    assert after["aof_last_bgrewrite_status"] == after["rdb_last_bgsave_status"] == "ok"
    assert rewrite_persistence(redis_client, 60) == ["aof"]
