"""A catalogue of malformed lead events, each with the dead-letter reason it must get.

The CRM simulator mixes them into its traffic on request, and the tests use the same list,
so "every kind of bad input" means one thing everywhere.
"""

from __future__ import annotations

import json

from schemas.errors import RejectReason

MALFORMED: tuple[tuple[bytes | None, RejectReason], ...] = (
    (b'{"lead_id": "x", "company_size": ', RejectReason.INVALID_JSON),
    (b"", RejectReason.INVALID_JSON),
    (None, RejectReason.INVALID_JSON),  # a null value (tombstone)
    (b'{"lead_id": "\xff\xfe\xfd"}', RejectReason.INVALID_JSON),  # not UTF-8
    (b"[1, 2, 3]", RejectReason.NOT_AN_OBJECT),
    (b'"just a string"', RejectReason.NOT_AN_OBJECT),
    (b'{"industry": "software"}', RejectReason.SCHEMA_VIOLATION),  # no lead_id
    (b'{"lead_id": ""}', RejectReason.SCHEMA_VIOLATION),
    (b'{"lead_id": 42}', RejectReason.SCHEMA_VIOLATION),
    (b'{"lead_id": "x", "company_size": "lots"}', RejectReason.SCHEMA_VIOLATION),
    (b'{"lead_id": "x", "company_size": 0}', RejectReason.SCHEMA_VIOLATION),
    (b'{"lead_id": "x", "engagement_score": 150}', RejectReason.SCHEMA_VIOLATION),
    (b'{"lead_id": "x", "engagement_score": NaN}', RejectReason.SCHEMA_VIOLATION),
    (b'{"lead_id": "x", "industry": ["a"]}', RejectReason.SCHEMA_VIOLATION),
    # Each of these once crash-looped the scorer or was scored silently (issue 8):
    (b"[" * 5000 + b"]" * 5000, RejectReason.INVALID_JSON),  # deeper than any decoder
    (b'{"lead_id": "\ud800"}', RejectReason.INVALID_JSON),  # a lone surrogate
    (b'{"lead_id": "x", "occurred_at": "9999-12-31T23:59:59-05:00"}',  # no UTC form
     RejectReason.SCHEMA_VIOLATION),
    (b'{"lead_id": "x", "company_size": ' + b"9" * 309 + b"}", RejectReason.SCHEMA_VIOLATION),
    (b'{"lead_id": "x", "days_since_first_contact": 1.7e308}', RejectReason.SCHEMA_VIOLATION),
    (b'{"lead_id": "x", "company_size": true}', RejectReason.SCHEMA_VIOLATION),
)
"""Raw values and the reason the scorer must dead-letter each with (spec-independent)."""


def oversized(limit: int) -> bytes:
    """A well-formed event one byte over the payload limit."""
    base = json.dumps({"lead_id": "big", "notes": ""}).encode()
    return json.dumps({"lead_id": "big", "notes": "x" * (limit + 1 - len(base) + 1)}).encode()


def malformed(i: int, limit: int) -> tuple[bytes | None, RejectReason]:
    """The ``i``-th malformed event of a cycle through the catalogue plus an oversized one."""
    k = i % (len(MALFORMED) + 1)
    if k == len(MALFORMED):
        return oversized(limit), RejectReason.PAYLOAD_TOO_LARGE
    return MALFORMED[k]
