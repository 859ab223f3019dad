"""The sink's HTTP client and delivery against a local CRM stand-in that misbehaves."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from scoring.writeback import dynamics, hubspot, salesforce
from scoring.writeback.formats import FORMATS
from scoring.writeback.score import WritebackScore
from streams.redact import install_log_redaction, url_secrets
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


PATHS = {"webhook": "", "dynamics": dynamics.PATH, "hubspot": hubspot.PATH,
         "salesforce": salesforce.PATH}
METHODS = {"webhook": "POST", "dynamics": "POST", "hubspot": "POST", "salesforce": "PATCH"}


def test_the_configured_url_is_called_exactly_as_given_in_every_format() -> None:
    # (configured path and query, what the webhook receives, where a format's path goes)
    cases = [("/hooks/scores", "/hooks/scores", "/hooks/scores{p}"),
             ("/hooks/scores?api_key=qs-SECRET-9999", "/hooks/scores?api_key=qs-SECRET-9999",
              "/hooks/scores{p}?api_key=qs-SECRET-9999"),
             ("/hooks/scores/", "/hooks/scores/", "/hooks/scores{p}"),
             ("", "/", "{p}"),
             ("/", "/", "{p}"),
             ("/gw/?code=K%2F1&x=a+b&x=2", "/gw/?code=K%2F1&x=a+b&x=2",
              "/gw{p}?code=K%2F1&x=a+b&x=2")]
    with FakeCrm() as crm:
        for fmt, path in PATHS.items():
            for configured, as_webhook, as_format in cases:
                crm.requests.clear()
                c = client(crm.url + configured)
                c.send(FORMATS[fmt].request(scores(2)))
                expected = as_webhook if fmt == "webhook" else as_format.format(p=path)
                assert crm.requests == [(METHODS[fmt], expected)], (fmt, configured)
                c.close()


def test_the_query_secret_and_the_token_never_reach_the_logs(caplog) -> None:
    secret = "qs-SECRET-9999"
    plan = Plan({"ok": 1, "500": 1}, seed=1, retry_after="0")
    chatty = [logging.getLogger(name) for name in ("httpx", "httpcore")]
    levels = [logger.level for logger in chatty]
    try:
        with caplog.at_level(logging.DEBUG), FakeCrm(plan) as crm:
            install_log_redaction(url_secrets(f"{crm.url}/hooks/scores?api_key={secret}",
                                              every_query_value=True))
            for logger in chatty:  # as chatty as they get
                logger.setLevel(logging.DEBUG)
            c = client(f"{crm.url}/hooks/scores?api_key={secret}", attempts=20)
            deliver(scores(10), WEBHOOK, c, batch_size=2)
            assert crm.requests and crm.count("500") > 0
    finally:
        for logger, level in zip(chatty, levels, strict=True):
            logger.setLevel(level)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/hooks/scores" in text  # httpx did log the URL: redacted
    assert secret not in text and "s3cret-token" not in text


def test_url_secrets_are_the_password_and_the_query_values() -> None:
    url = "https://u:pw-1234@h/x?api_key=K-123456&empty=&n=7"
    assert url_secrets(url, every_query_value=True) == {"pw-1234", "K-123456", "7"}
    assert url_secrets(url) == {"pw-1234", "K-123456"}  # elsewhere: credential names only
    assert url_secrets("https://h/x", every_query_value=True) == set()
    assert url_secrets(None) == set()
    c = client("http://h/x?api_key=K-123456")
    assert c.redact("denied K-123456 for s3cret-token") == "denied *** for ***"
