"""The fast decoder (:mod:`scoring.decode`, orjson + compiled checks) against the pydantic
reference (:func:`schemas.leads.parse_incoming`) for any bytes: the same lead with the same
values, unknown attribute names and encoded features, or the same dead-letter reason and
message. The reference's side is computed here straight from the pydantic model, not
through the decoder."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from schemas.errors import RejectedEvent
from schemas.leads import incoming_model, parse_incoming
from schemas.spec import FeatureSpec, load_spec
from scoring.decode import LeadDecoder
from scoring.features import FeatureEncoder, learn_vocabularies
from scoring.unknown_attributes import unknown_names
from tests.strategies.hostile import (
    DATETIMES,
    FLOATS,
    INTEGERS,
    RAW_STRINGS,
    STRUCTURES,
    TEXTS,
    json_string,
)
from tests.strategies.leads import NULLS, aliased_event, hostile_event, plain_event

pytestmark = pytest.mark.fuzz

LIMIT = 16 * 1024
POLICY = FeatureSpec.model_validate({"name": "policy", "features": [
    {"name": "pdays", "kind": "numeric", "dtype": "int", "min": 0, "max": 30,
     "null_values": ["999"]},
    {"name": "emp_var_rate", "source": "emp.var.rate", "kind": "numeric", "min": -3.5,
     "max": 1e18},
    {"name": "visits", "kind": "numeric", "dtype": "int", "max": 1e18, "missing": "reject"},
    {"name": "country", "source": "Country", "kind": "categorical",
     "null_values": ["Select", "unknown"]},
    {"name": "region", "kind": "categorical", "missing": "reject", "max_length": 5,
     "null_values": ["n/a"]},
    {"name": "tier", "kind": "categorical", "lowercase": False},
]})


def _trained(spec: FeatureSpec) -> FeatureSpec:
    columns = {f.name: ["a", "B", None, "india", "x"] for f in spec.categorical}
    return spec.with_vocabularies(learn_vocabularies(spec, columns))


SPECS = {"default": _trained(load_spec()), "policy": _trained(POLICY)}


def _plain(value: object) -> str:
    """A value as the outputs would show it (type and sign included; a time as ISO)."""
    return value.isoformat() if isinstance(value, datetime) else repr(value)


def _reference(spec: FeatureSpec, raw: bytes) -> tuple:
    """What the pydantic contract alone makes of ``raw``."""
    try:
        m = parse_incoming(incoming_model(spec), raw, LIMIT)
    except RejectedEvent as err:
        return ("dead", err.reason, err.message, err.errors)
    names = ["lead_id", "event_id", "occurred_at", *(f.name for f in spec.features)]
    known = frozenset({"lead_id", "event_id", "occurred_at",
                       *(n for f in spec.features for n in f.accepted_names)})
    return ("lead", [_plain(getattr(m, n)) for n in names],
            sorted(unknown_names(m.__pydantic_extra__, known)), m)


def _decoded(decoder: LeadDecoder, spec: FeatureSpec, raw: bytes) -> tuple:
    try:
        lead = decoder.decode(raw)
    except RejectedEvent as err:
        return ("dead", err.reason, err.message, err.errors)
    names = ["lead_id", "event_id", "occurred_at", *(f.name for f in spec.features)]
    return ("lead", [_plain(getattr(lead, n)) for n in names], sorted(lead._extra), lead)


def _same_features(spec: FeatureSpec, ours, theirs) -> None:
    encoder = FeatureEncoder(spec)
    a, b = encoder.encode_leads([ours]), encoder.encode_leads([theirs])
    np.testing.assert_array_equal(a.matrix, b.matrix)
    for name in a.categories:
        assert a.categories[name].tolist() == b.categories[name].tolist()


def _events(spec: FeatureSpec) -> st.SearchStrategy[bytes | None]:
    return st.one_of(hostile_event(spec), aliased_event(spec), plain_event(spec))


@pytest.mark.parametrize("name", sorted(SPECS))
@given(data=st.data())
def test_fast_path_gives_the_references_outcome(name: str, data: st.DataObject) -> None:
    spec = SPECS[name]
    raw = data.draw(_events(spec)) or b""
    decoder = LeadDecoder(spec, LIMIT)
    ours, theirs = _decoded(decoder, spec, raw), _reference(spec, raw)
    event(f"{theirs[0]}, {'fast' if decoder.fast(raw) is not None else 'reference'}")
    assert ours[:3] == theirs[:3]
    if ours[0] == "lead":
        _same_features(spec, ours[3], theirs[3])


@pytest.mark.parametrize("name", sorted(SPECS))
@given(data=st.data())
def test_plain_valid_events_take_the_fast_path(name: str, data: st.DataObject) -> None:
    spec = SPECS[name]
    raw = data.draw(plain_event(spec))
    decoder = LeadDecoder(spec, LIMIT)
    assert decoder.fast(raw) is not None
    assert _decoded(decoder, spec, raw)[:3] == _reference(spec, raw)[:3]


TIMES = ("2026-03-01T12:00:00.1Z", "2026-03-01T12:00:00.12+01:00", "2026-03-01T12:00:00.123",
         "2026-03-01T12:00:00.1234-23:59", "2026-03-01T12:00:00.1234567Z",
         "1000-01-01T00:00:00-00:00", "0999-12-31T23:59:59Z", "9998-12-31T23:59:59+23:59",
         "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2026-03-01t12:00:00z")
NESTED = tuple("[" * depth + "]" * depth for depth in (63, 64, 65, 150, 201, 202, 250, 1024))
"""Nesting the contract's parser takes (up to ~200 levels) and refuses, and orjson takes."""
EDGES = (INTEGERS + FLOATS + STRUCTURES + NESTED + RAW_STRINGS + NULLS
         + tuple(json_string(t) for t in DATETIMES + TEXTS + TIMES))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_edge_value_in_every_field(name: str) -> None:
    """Each edge value in each field of one plain event (and under each export name)."""
    spec = SPECS[name]
    decoder = LeadDecoder(spec, LIMIT)
    base = {"lead_id": '"L1"', "event_id": '"e1"', "occurred_at": '"2026-01-02T03:04:05Z"',
            **{f.name: ('"a"' if f.kind == "categorical" else "1") for f in spec.features}}
    keys = [*base, *(f.source for f in spec.features if f.source), "notes"]
    fast = 0
    for key in keys:
        for value in EDGES:
            raw = ("{" + ",".join(f'"{k}":{v}' for k, v in {**base, key: value}.items())
                   + "}").encode("utf-8", "surrogatepass")
            ours, theirs = _decoded(decoder, spec, raw), _reference(spec, raw)
            assert ours[:3] == theirs[:3], raw
            fast += decoder.fast(raw) is not None
    assert fast > len(keys)  # the fast path took many of them


def test_a_time_keeps_its_offset_and_instant() -> None:
    decoder = LeadDecoder(SPECS["default"], LIMIT)
    raw = json.dumps({"lead_id": "L", "occurred_at": "2026-03-01T13:30:00.25+01:30"}).encode()
    lead = decoder.fast(raw)
    assert lead.occurred_at.astimezone(UTC) == datetime(2026, 3, 1, 12, 0, 0, 250000, UTC)
    assert lead.occurred_at.utcoffset().total_seconds() == 5400
