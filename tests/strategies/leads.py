"""Hostile ``leads.incoming`` events derived from a feature spec.

:func:`valid_fields` draws a valid event (as ``name -> JSON text``); :func:`near_valid_event`
replaces some of its fields by edge values (limits of int/float/datetime, huge, empty and
unicode strings, wrong types, nesting), drops or duplicates keys and adds unknown ones;
:func:`hostile_event` mixes those with arbitrary bytes and arbitrary JSON.
:func:`plain_event` draws the events a CRM usually sends (what the scorer's fast decoder
must take on its own) and :func:`aliased_event` sends features under their export names
(``source``), the spec's null values and numbers as text.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

from hypothesis import strategies as st

from schemas.spec import CategoricalFeature, FeatureSpec, NumericFeature
from tests.strategies.hostile import (
    EDGE_VALUE,
    arbitrary_bytes,
    arbitrary_json,
    json_object,
    json_string,
)

__all__ = ["NULLS", "aliased_event", "hostile_event", "near_valid_event", "plain_event",
           "valid_fields"]


def _valid_numeric(f: NumericFeature) -> st.SearchStrategy[str]:
    low = f.min if f.min is not None else -1e6
    high = f.max if f.max is not None else low + 1e6
    if f.dtype == "int":
        return st.integers(int(low), int(high)).map(str)
    return st.floats(low, high, allow_nan=False).map(repr)


def _valid_categorical(f: CategoricalFeature) -> st.SearchStrategy[str]:
    known = st.sampled_from(f.vocabulary) if f.vocabulary else st.just("x")
    return st.one_of(known, st.text(min_size=1, max_size=20)).map(json_string)


@lru_cache(maxsize=16)
def valid_fields(spec: FeatureSpec) -> st.SearchStrategy[dict[str, str]]:
    """A valid event of ``spec``: field name → JSON text."""
    fields: dict[str, st.SearchStrategy[str]] = {
        "lead_id": st.text(st.characters(codec="utf-8"), min_size=1, max_size=20).filter(
            str.strip).map(json_string),
        "event_id": st.one_of(st.just("null"), st.uuids().map(str).map(json_string)),
        "occurred_at": st.datetimes().map(lambda d: json_string(d.isoformat())),
    }
    for f in spec.features:
        fields[f.name] = (_valid_numeric(f) if isinstance(f, NumericFeature)
                          else _valid_categorical(f))
    return st.fixed_dictionaries(fields)


@st.composite
def near_valid_event(draw: st.DrawFn, spec: FeatureSpec) -> bytes:
    """A valid event with some fields replaced by edge values (often just one)."""
    fields = draw(valid_fields(spec))
    for name in draw(_replaced(tuple(sorted(fields)))):
        fields[name] = draw(EDGE_VALUE)
    return json_object(draw, fields)


@lru_cache(maxsize=16)
def _replaced(names: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(names), max_size=3, unique=True)


@lru_cache(maxsize=16)
def hostile_event(spec: FeatureSpec) -> st.SearchStrategy[bytes | None]:
    """Anything: near-valid events (most), arbitrary JSON and arbitrary bytes."""
    return st.one_of(near_valid_event(spec), near_valid_event(spec), arbitrary_json(),
                     arbitrary_bytes())


_PLAIN_TEXT = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=20)
_PLAIN_TIME = st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1),
                           timezones=st.none() | st.sampled_from(
                               [UTC, timezone(timedelta(hours=-5, minutes=-30))]))


def _plain_time(at: datetime) -> str:
    text = at.isoformat()
    return json_string(text[:-6] + "Z" if text.endswith("+00:00") else text)


def _object(fields: dict[str, str]) -> bytes:
    return ("{" + ",".join(f"{json_string(k)}:{v}" for k, v in fields.items())
            + "}").encode("utf-8", "surrogatepass")


@lru_cache(maxsize=16)
def plain_fields(spec: FeatureSpec) -> st.SearchStrategy[dict[str, str]]:
    """A valid event as CRMs send it (name -> JSON text): plain text, in-range numbers
    (ints for floats too), an RFC 3339 time, optional fields null or absent."""
    fields: dict[str, st.SearchStrategy[str]] = {
        "lead_id": _PLAIN_TEXT.map(json_string),
        "event_id": st.one_of(st.just("null"), st.uuids().map(str).map(json_string)),
        "occurred_at": st.one_of(st.just("null"), _PLAIN_TIME.map(_plain_time)),
    }
    for f in spec.features:
        value = (_valid_numeric(f) if isinstance(f, NumericFeature)
                 else _PLAIN_TEXT.filter(lambda t, f=f: len(t) <= f.max_length and t.casefold()
                                         not in {v.casefold() for v in f.null_values})
                 .map(json_string))
        if isinstance(f, NumericFeature) and f.dtype == "float":
            value = value | st.integers(0, 1).map(lambda i, f=f: str(int(f.min or 0) + i))
        fields[f.name] = value if f.missing.value == "reject" else value | st.just("null")
    return st.fixed_dictionaries(fields)


@lru_cache(maxsize=16)
def plain_event(spec: FeatureSpec) -> st.SearchStrategy[bytes]:
    """:func:`plain_fields` as the event's bytes."""
    return plain_fields(spec).map(_object)


NULLS = ("null", '""', '" "', "999", '"999"', '" 999.0 "', '"Select"',
                          '" n/a "', '"12"', '"1.5"', "12.0", "true", "false", "1", "0.0",
                          '"\u001cx"', '"x\u00a0"', '"2026-01-01T00:00:00Z"', "1e400")
"""JSON texts at the fast decoder's edges: null values, blank text, numbers as text."""


_NULLS = st.sampled_from(NULLS)
_EDGES = _NULLS | EDGE_VALUE


@st.composite
def aliased_event(draw: st.DrawFn, spec: FeatureSpec) -> bytes:
    """A plain event with a field or two replaced by an edge value, a null value, blank
    text or a number as text, and some features under their ``source`` name (some under
    both): the edges of what the fast decoder takes on its own."""
    fields = draw(plain_fields(spec))
    for name in draw(_replaced(tuple(fields)))[:2]:
        fields[name] = draw(_EDGES)
    for f in spec.features:
        if f.source and draw(st.booleans()):
            fields[f.source] = draw(_NULLS) if draw(st.booleans()) else fields[f.name]
            if draw(st.booleans()):
                del fields[f.name]
    if draw(st.booleans()):
        return _object(fields)
    return json_object(draw, fields)
