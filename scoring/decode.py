"""Decoding ``leads.incoming`` values on the hot path: ``orjson``, then the contract's
checks over the decoded object, compiled once per spec.

:class:`LeadDecoder` accepts an event on its own only when it is sure the pydantic contract
(:func:`schemas.leads.parse_incoming`, the source of truth and of the JSON Schemas) would
accept it with the same values. Anything else — bytes ``orjson`` refuses, a wrong type, a
value out of range, text with whitespace around it, a time not in plain RFC 3339 form, a
number sent as text, a required field missing — is handed to that reference, which accepts
it or rejects it with its reason and message. So every dead letter is the reference's, and a
fast acceptance is one the reference makes too: ``tests/unit/scoring/test_decode_differential.py``
checks it for any bytes (a ``fuzz`` target).

A decoded lead is a :func:`lead_type` row (slots, no validation): the declared fields, then
``_extra``, the names of the attributes the spec does not know (their values are not kept).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import make_dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson

from schemas.leads import FLOAT32_MAX, IncomingLead, incoming_model, parse_incoming
from schemas.spec import CategoricalFeature, FeatureSpec, MissingPolicy, NumericFeature
from scoring.unknown_attributes import unknown_names

DEFER = object()
"""A check's answer when the fast path is not sure: the reference decides."""
EXACT_INT = 2 ** 53
"""Integers a float feature takes on the fast path (beyond: the reference rounds)."""
MAX_OPENERS = 64
"""Events with more ``[``/``{`` than this go to the reference: orjson nests up to 1,024
levels, the contract's parser refuses far fewer, so depth must stay below both."""
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})?")
Check = Callable[[Any], Any]


@lru_cache(maxsize=32)
def lead_type(spec: FeatureSpec) -> type:
    """The row type of a decoded lead of ``spec`` (declared fields, then ``_extra``)."""
    names = ["lead_id", "event_id", "occurred_at", *(f.name for f in spec.features), "_extra"]
    return make_dataclass(f"Lead_{spec.name}", names, slots=True, eq=True)


def _text(v: Any, low: int, high: int) -> Any:
    """A string the contract keeps as it is: no whitespace to strip, length in range."""
    if type(v) is not str or not low <= len(v) <= high or len(v.strip()) != len(v):
        return DEFER
    return v


def _occurred_at(v: Any) -> Any:
    if v is None:
        return None
    if type(v) is not str or not _RFC3339.fullmatch(v):
        return DEFER
    try:
        at = datetime.fromisoformat(v)
    except ValueError:
        return DEFER
    return at if 1000 <= at.year <= 9998 else DEFER  # far from UTC_MIN/UTC_MAX


def _numeric(f: NumericFeature) -> Check:
    low = max(f.min, -FLOAT32_MAX) if f.min is not None else -FLOAT32_MAX
    high = min(f.max, FLOAT32_MAX) if f.max is not None else FLOAT32_MAX
    optional = f.missing is not MissingPolicy.REJECT
    if f.dtype == "int":
        ilow, ihigh = math.ceil(low), math.floor(high)

        def check(v: Any) -> Any:
            if v is None:
                return None if optional else DEFER
            return v if type(v) is int and ilow <= v <= ihigh else DEFER
        return check

    def check_float(v: Any) -> Any:
        t = type(v)
        if t is float:
            return v if low <= v <= high else DEFER  # NaN compares false
        if t is int and -EXACT_INT <= v <= EXACT_INT:
            x = float(v)
            return x if low <= x <= high else DEFER
        return None if v is None and optional else DEFER
    return check_float


def _categorical(f: CategoricalFeature) -> Check:
    optional = f.missing is not MissingPolicy.REJECT
    shortest = 0 if optional else 1

    def check(v: Any) -> Any:
        if v is None:
            return None if optional else DEFER
        return _text(v, shortest, f.max_length)
    return check


def _with_null_values(f: NumericFeature | CategoricalFeature, check: Check) -> Check:
    """The spec's field policy first (as the contract's before-validator), then the type
    check; text it leaves (a number as text) goes to the reference."""
    def read_then_check(v: Any) -> Any:
        return check(f.read(v))
    return read_then_check


def _check(f: NumericFeature | CategoricalFeature) -> Check:
    check = _numeric(f) if isinstance(f, NumericFeature) else _categorical(f)
    return _with_null_values(f, check) if f.null_values else check


class LeadDecoder:
    """Raw ``leads.incoming`` values → :func:`lead_type` rows; build one per spec."""

    def __init__(self, spec: FeatureSpec, max_bytes: int):
        self.max_bytes = max_bytes
        self._model = incoming_model(spec)
        self._row = lead_type(spec)
        self._features = [(f.name, f.source if len(f.accepted_names) > 1 else None, _check(f))
                          for f in spec.features]
        self._names = [f.name for f in spec.features]
        self.known = frozenset({*IncomingLead.model_fields,
                                *(n for f in spec.features for n in f.accepted_names)})

    def decode(self, raw: bytes) -> Any:
        """The lead of ``raw``; raises :class:`~schemas.errors.RejectedEvent` if invalid."""
        lead = self.fast(raw)
        return self.reference(raw) if lead is None else lead

    def reference(self, raw: bytes) -> Any:
        """The pydantic contract's reading of ``raw``, as a row."""
        m = parse_incoming(self._model, raw, self.max_bytes)
        extra = tuple(unknown_names(m.__pydantic_extra__, self.known))
        return self._row(m.lead_id, m.event_id, m.occurred_at,
                         *(getattr(m, n) for n in self._names), extra)

    def fast(self, raw: bytes) -> Any:
        """The row of ``raw`` when the fast path is sure of it, else ``None``."""
        if len(raw) > self.max_bytes or raw.count(b"[") + raw.count(b"{") > MAX_OPENERS:
            return None
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        if type(doc) is not dict:
            return None
        lead_id = _text(doc.get("lead_id"), 1, 128)
        event_id = doc.get("event_id")
        event_id = None if event_id is None else _text(event_id, 0, 128)
        occurred_at = _occurred_at(doc.get("occurred_at"))
        if lead_id is DEFER or event_id is DEFER or occurred_at is DEFER:
            return None
        values = []
        for name, alias, check in self._features:
            v = check(doc.get(name) if alias is None or name in doc else doc.get(alias))
            if v is DEFER:
                return None
            values.append(v)
        extra = () if doc.keys() <= self.known else tuple(k for k in doc if k not in self.known)
        return self._row(lead_id, event_id, occurred_at, *values, extra)
