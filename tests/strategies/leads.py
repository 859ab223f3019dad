"""Hostile ``leads.incoming`` events derived from a feature spec.

:func:`valid_fields` draws a valid event (as ``name -> JSON text``); :func:`near_valid_event`
replaces some of its fields by edge values (limits of int/float/datetime, huge, empty and
unicode strings, wrong types, nesting), drops or duplicates keys and adds unknown ones;
:func:`hostile_event` mixes those with arbitrary bytes and arbitrary JSON.
"""

from __future__ import annotations

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

__all__ = ["hostile_event", "near_valid_event", "valid_fields"]


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
