"""Erasure requests (``privacy.requests``) that fail validation while holding a lead id.

Each draws a marker lead id, puts it where an erasure request carries it (``lead_id``) and
breaks the request elsewhere, or in the lead id itself (too long, wrong type), so that
pydantic's default message would quote the marker (``input_value=...``: the field's value,
or the whole document for a missing or unknown field).
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

__all__ = ["invalid_erasure_request", "marker_lead_ids"]


def marker_lead_ids() -> st.SearchStrategy[str]:
    """Lead ids no message would hold by chance (unique prefix, then printable text)."""
    tail = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x2FF,
                                 blacklist_characters='"\\'), min_size=4, max_size=40)
    return tail.map(lambda t: f"MRKLEAD{t}")


BREAKS = ("drop_actor", "drop_request_id", "drop_requested_at", "bad_request_id",
          "bad_requested_at", "unknown_field_named_lead", "unknown_field_holding_lead",
          "lead_too_long", "lead_as_list", "lead_as_number_text", "not_an_object")


@st.composite
def invalid_erasure_request(draw: st.DrawFn) -> tuple[str, bytes]:
    """(marker lead id, the bytes of an invalid request that holds it)."""
    lead = draw(marker_lead_ids())
    doc: dict[str, object] = {"request_id": "r-1", "lead_id": lead, "actor": "ops",
                              "requested_at": "2026-03-01T12:00:00Z"}
    how = draw(st.sampled_from(BREAKS))
    if how.startswith("drop_"):
        del doc[how.removeprefix("drop_")]
    elif how == "bad_request_id":
        doc["request_id"] = "has spaces"
    elif how == "bad_requested_at":
        doc["requested_at"] = "yesterday"
    elif how == "unknown_field_named_lead":
        doc[lead] = 1
    elif how == "unknown_field_holding_lead":
        doc["note"] = lead
    elif how == "lead_too_long":
        doc["lead_id"] = lead + "x" * 130
    elif how == "lead_as_list":
        doc["lead_id"] = [lead]
    elif how == "lead_as_number_text":
        doc["lead_id"] = {"id": lead}
    else:
        return lead, json.dumps([doc]).encode()
    return lead, json.dumps(doc).encode()
