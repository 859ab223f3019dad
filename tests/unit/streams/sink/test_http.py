"""The sink's HTTP client and delivery against a local CRM stand-in that misbehaves."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from scoring.writeback.formats import FORMATS
from scoring.writeback.score import WritebackScore
from streams.sink.deliver import deliver
from streams.sink.http import CrmClient, CrmUnavailable, retry_after_s
from tests.support.crm_server import FakeCrm, Plan

T0 = datetime(2026, 3, 1, tzinfo=UTC)
WEBHOOK = FORMATS["webhook"]


def scores(n: int, prefix: str = "L") -> list[WritebackScore]:
    return [WritebackScore(f"{prefix}{i}", i / n, "B", "m", "1", "champion",
                           T0 + timedelta(seconds=i), 0, i) for i in range(n)]


def client(url: str, attempts: int = 8, timeout_s: float = 0.25) -> CrmClient:
    return CrmClient(url, "s3cret-token", timeout_s, attempts, backoff_s=0.01, backoff_max_s=0.05)


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = time.time()
    assert retry_after_s("7") == 7.0
    assert retry_after_s(format_datetime(datetime.fromtimestamp(now + 30, UTC), usegmt=True),
                         now=now) == pytest.approx(30, abs=1)
    assert retry_after_s(None) is None and retry_after_s("soon") is None


def test_transient_failures_are_retried_until_every_score_is_applied() -> None:
    plan = Plan({"ok": 1, "429": 1, "500": 1, "slow": 1, "drop": 1}, seed=3, slow_s=0.4,
                retry_after="0")
    with FakeCrm(plan) as crm:
        c = client(crm.url, attempts=30)
        out = deliver(scores(50), WEBHOOK, c, batch_size=10)
    assert [s.lead_id for s in out.delivered] == [f"L{i}" for i in range(50)]
    assert out.refused == [] and out.requests == 5
    assert {lead: e["score"] for lead, e in crm.latest().items()} == {
        f"L{i}": i / 50 for i in range(50)}
    assert all(crm.count(f) > 0 for f in ("429", "500", "slow", "drop"))
    assert c.transient_failures == len(crm.fates) - 5
    assert crm.auth == {"Bearer s3cret-token"}


def test_retry_after_is_honoured() -> None:
    with FakeCrm(Plan({"429": 1}, retry_after="1")) as crm:
        c = client(crm.url, attempts=2)
        started = time.monotonic()
        with pytest.raises(CrmUnavailable, match="after 2 tries: HTTP 429"):
            c.send(WEBHOOK.request(scores(1)))
        assert time.monotonic() - started >= 0.05  # capped at backoff_max_s, then gave up
    with FakeCrm(Plan({"429": 1}, retry_after="1")) as crm:
        c = CrmClient(crm.url, None, 1.0, 2, backoff_s=0.01, backoff_max_s=5.0)
        started = time.monotonic()
        with pytest.raises(CrmUnavailable):
            c.send(WEBHOOK.request(scores(1)))
        assert time.monotonic() - started >= 0.95  # the CRM's one second, not 10 ms
        assert crm.auth == {None}


def test_a_crm_that_stays_down_raises_and_nothing_counts_as_delivered() -> None:
    with FakeCrm(Plan({"500": 1})) as crm:
        with pytest.raises(CrmUnavailable):
            deliver(scores(3), WEBHOOK, client(crm.url, attempts=3), batch_size=10)
        assert crm.applied == {} and len(crm.fates) == 3


def test_a_refused_batch_is_narrowed_to_the_bad_leads() -> None:
    plan = Plan(refuse=frozenset({"L3", "L11"}))
    with FakeCrm(plan) as crm:
        out = deliver(scores(16), WEBHOOK, client(crm.url), batch_size=16)
    assert sorted(r.score.lead_id for r in out.refused) == ["L11", "L3"]
    assert all(r.status == 400 and "invalid lead id" in r.response for r in out.refused)
    assert sorted(crm.latest()) == sorted(f"L{i}" for i in range(16) if i not in (3, 11))
    assert len(out.delivered) == 14
    assert out.requests < 16  # split in halves, not one request per lead


def test_a_closed_port_is_transient_not_final() -> None:
    c = client("http://127.0.0.1:9", attempts=2)
    with pytest.raises(CrmUnavailable, match="ConnectError"):
        c.send(WEBHOOK.request(scores(1)))
