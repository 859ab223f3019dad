"""Every CRM answer is read without raising: each lead sent is taken, rejected (the CRM's
words) or in doubt (unreadable), never two of them; answers named in the issue by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.writeback import hubspot, salesforce, webhook
from scoring.writeback.formats import FORMATS
from scoring.writeback.score import WritebackScore
from tests.strategies.crm import crm_answer, lead_ids

T = datetime(2026, 3, 1, tzinfo=UTC)


def sent(*ids: str) -> list[WritebackScore]:
    return [WritebackScore(i, 0.5, "B", "m", "1", "champion", T, 0, n) for n, i in enumerate(ids)]


def test_salesforce_errors_as_an_object_reject_the_lead_with_its_words() -> None:
    body = json.dumps([{"id": "00Q1", "success": True, "errors": []},
                       {"id": "00Q2", "success": False,
                        "errors": {"statusCode": "DUPLICATE_VALUE", "message": "dup"}}])
    answer = salesforce.answer(sent("00Q1", "00Q2"), body.encode())  # raised KeyError: 0
    assert answer.rejected == {"00Q2": "DUPLICATE_VALUE: dup"} and answer.unreadable == {}


def test_salesforce_errors_of_any_shape_still_reject() -> None:
    for errors, words in (("boom", "ERROR: boom"), ([], "ERROR: "), (None, "ERROR: "),
                          (["x"], "ERROR: x"), ([{"message": {"a": 1}}], 'ERROR: {"a": 1}')):
        body = json.dumps([{"success": False, "errors": errors}]).encode()
        assert salesforce.answer(sent("A"), body).rejected == {"A": words}, errors


def test_salesforce_records_without_a_readable_result_are_in_doubt() -> None:
    body = json.dumps([{"success": "yes"}, None]).encode()
    answer = salesforce.answer(sent("A", "B", "C"), body)
    assert answer.rejected == {}
    assert answer.unreadable == {"A": "a result without 'success' true or false",
                                 "B": "a result without 'success' true or false",
                                 "C": "no result for this record"}
    for body in (b'{"errors": {}}', b"<html>", b"", b"[" * 5000 + b"]" * 5000):
        assert set(salesforce.answer(sent("A", "B"), body).unreadable) == {"A", "B"}, body


def test_webhook_entry_without_lead_id_does_not_name_the_lead_called_none() -> None:
    body = b'{"rejected": [{"reason": "quota"}, {"lead_id": "L2", "reason": "closed"}]}'
    answer = webhook.answer(sent("None", "L2", "L3"), body)  # raised KeyError: 'lead_id'
    assert answer.rejected == {"L2": "closed"}
    assert answer.unreadable == {"None": "a 'rejected' entry names no lead_id",
                                 "L3": "a 'rejected' entry names no lead_id"}
    null = webhook.answer(sent("None"), b'{"rejected": [{"lead_id": null}]}')
    assert null.rejected == {} and set(null.unreadable) == {"None"}


def test_webhook_numbers_name_leads_and_a_2xx_without_json_takes_the_batch() -> None:
    answer = webhook.answer(sent("123", "L"), b'{"rejected": [{"lead_id": 123}]}')
    assert answer.rejected == {"123": "rejected"} and answer.unreadable == {}
    for body in (b"", b"OK", b"[1]", b'{"rejected": null}', b'{"ok": true}'):
        assert webhook.answer(sent("A"), body) == webhook.answer(sent("A"), b"{}"), body
    assert set(webhook.answer(sent("A"), b'{"rejected": "all"}').unreadable) == {"A"}


def test_hubspot_errors_that_cannot_be_read_leave_the_unnamed_leads_in_doubt() -> None:
    body = json.dumps({"errors": [{"message": "gone", "context": {"ids": ["A"]}},
                                  {"message": "?", "context": ["B"]}]}).encode()
    answer = hubspot.answer(sent("A", "B", "C"), body)  # raised AttributeError on the list
    assert answer.rejected == {"A": "gone"}
    assert set(answer.unreadable) == {"B", "C"}
    chars = json.dumps({"errors": [{"context": {"ids": "AB"}}]}).encode()  # not a list
    assert hubspot.answer(sent("A", "B"), chars).rejected == {}
    assert set(hubspot.answer(sent("A"), b'{"errors": {"x": 1}}').unreadable) == {"A"}
    assert set(hubspot.answer(sent("A"), b"<html>").unreadable) == {"A"}


@pytest.mark.fuzz
@given(st.sampled_from(sorted(FORMATS)), st.data())
def test_any_answer_of_any_format_is_read_and_each_lead_has_one_fate(fmt: str,
                                                                   data: st.DataObject) -> None:
    ids = data.draw(lead_ids())
    body = data.draw(crm_answer(fmt, ids))
    answer = FORMATS[fmt].answer(sent(*ids), body)
    assert set(answer.rejected) <= set(ids) and set(answer.unreadable) <= set(ids)
    assert not set(answer.rejected) & set(answer.unreadable)
    assert all(isinstance(w, str) and len(w) <= 500 for w in answer.rejected.values())
