"""Delivery through any CRM answer: every lead sent ends delivered or dead-lettered exactly
once (or the whole batch is held back to be retried), and no dead letter carries a secret."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.errors import RetryableError
from schemas.sink import RESPONSE_CHARS, SinkDeadLetter, SinkRejectReason
from scoring.writeback.formats import FORMATS
from scoring.writeback.score import CrmRequest, WritebackScore
from streams.sink.deliver import deliver
from streams.sink.http import CrmClient, CrmResponse, CrmUnavailable
from tests.strategies.crm import crm_answer, lead_ids

T = datetime(2026, 3, 1, tzinfo=UTC)
URL = "http://127.0.0.1:9/hooks/scores?api_key=qs-SECRET-9999"
TOKEN = "tok-SECRET-1234"
SECRETS = ("qs-SECRET-9999", TOKEN)
STATUSES = (200, 200, 200, 201, 204, 207, 301, 400, 401, 404, 409, 422, "down")
ECHO = st.sampled_from([b"<html>bad api_key=qs-SECRET-9999</html>",
                        b'{"errors": "token tok-SECRET-1234 expired"}',
                        b'{"rejected": [{"reason": "qs-SECRET-9999"}]}',
                        b'[{"success": false, "errors": [{"message": "tok-SECRET-1234"}]}]'])
ID_FIELDS = {"webhook": ("scores", "lead_id"), "dynamics": ("Targets", "msdyn_entityid"),
             "hubspot": ("inputs", "id"), "salesforce": ("records", "id")}


def sent_ids(fmt: str, request: CrmRequest) -> list[str]:
    items, field = ID_FIELDS[fmt]
    return [item[field] for item in json.loads(request.body)[items]]


class ScriptedCrm(CrmClient):
    """The real client's redaction, with answers drawn for each request instead of HTTP."""

    def __init__(self) -> None:
        super().__init__(URL, TOKEN, 1.0, 1, 0.01, 0.01)
        self._fmt, self._data = "webhook", None

    def script(self, fmt: str, data: st.DataObject) -> ScriptedCrm:
        self._fmt, self._data = fmt, data
        return self

    def send(self, request: CrmRequest) -> CrmResponse:
        assert self._data is not None
        status = self._data.draw(st.sampled_from(STATUSES))
        if status == "down":  # the real client after its tries: the batch is held back
            raise CrmUnavailable("CRM unavailable after 1 tries: HTTP 503")
        ids = sent_ids(self._fmt, request)
        body = self._data.draw(st.one_of(crm_answer(self._fmt, ids), ECHO))
        return CrmResponse(status, body)


CLIENT = ScriptedCrm()  # one (its TLS context takes a while to build)


@pytest.mark.fuzz
@given(st.sampled_from(sorted(FORMATS)), lead_ids(), st.integers(1, 5), st.data())
def test_every_lead_is_delivered_or_dead_lettered_once_or_the_batch_is_retried(
        fmt: str, ids: list[str], batch_size: int, data: st.DataObject) -> None:
    scores = [WritebackScore(i, 0.5, "B", "m", "1", "champion", T, 0, n)
              for n, i in enumerate(ids)]
    client = CLIENT.script(fmt, data)
    try:
        out = deliver(scores, FORMATS[fmt], client, batch_size)
    except RetryableError:
        return  # held back: nothing committed, the whole batch is read and sent again
    fates = [s.lead_id for s in out.delivered] + [r.score.lead_id for r in out.refused]
    assert sorted(fates) == sorted(ids)
    for r in out.refused:
        assert r.reason in (SinkRejectReason.CRM_REJECTED,
                            SinkRejectReason.CRM_ANSWER_UNREADABLE)
        assert not any(secret in r.response for secret in SECRETS), r.response
        assert len(r.response) <= RESPONSE_CHARS
        SinkDeadLetter(reason=r.reason, lead_id=r.score.lead_id, crm_format=fmt,
                       status_code=r.status, response=r.response, source_partition=0,
                       source_offset=r.score.offset, failed_at=T)
