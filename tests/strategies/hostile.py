"""Hostile input for any JSON topic: arbitrary bytes, arbitrary JSON, and edge values.

Topic-independent building blocks; :mod:`tests.strategies.leads` derives near-valid lead
events from a feature spec with them, and the same pieces serve other topics' decoders
(outcomes, control requests, monitor samples): build a valid document, then replace its
fields with :func:`edge_value` texts and draw it with :func:`json_object`.

Values are JSON *texts* (``str``), not Python values, so that what ``json.dumps`` cannot
write is covered too: numbers beyond Python's int-string limit, ``NaN``/``Infinity``,
lone surrogate escapes, 5,000 levels of nesting, duplicate keys.
"""

from __future__ import annotations

import json
from functools import lru_cache

from hypothesis import strategies as st

__all__ = ["EDGE_VALUE", "arbitrary_bytes", "arbitrary_json", "edge_value", "json_object",
           "json_string"]

DEEP = 5_000
"""Nesting depth beyond every recursive decoder's limit (the ``[[[[…]]]]`` crash)."""


def json_string(text: str) -> str:
    """``text`` as a JSON string literal (non-ASCII escaped, lone surrogates kept)."""
    return json.dumps(text)


def _deep(opener: str, closer: str, depth: int = DEEP) -> str:
    return opener * depth + closer * depth


INTEGERS = ("0", "-0", "1", "-1", "2147483648", "9223372036854775808",
            "-9223372036854775809", "1" + "0" * 308, "9" * 309, "-" + "9" * 400,
            "9" * 4301, "9" * 20_000, "00012", "1e3", "1E+400")
FLOATS = ("0.0", "-0.0", "5e-324", "1e-400", "1.7976931348623157e308", "3.4028235e38",
          "3.4028236e38", "-3.5e38", "1.8e308", "-1.8e308", "NaN", "Infinity",
          "-Infinity", "0.1e-99999", "1" + "0" * 500 + ".5")
DATETIMES = ("0001-01-01T00:00:00", "0001-01-01T00:00:00+01:00",
             "9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59.999999Z",
             "9999-12-31T23:59:59+14:00", "1970-01-01T00:00:00Z", "2016-12-31T23:59:60Z",
             "2024-02-30T00:00:00", "2024-01-01T00:00:00+24:00", "2024-01-01", "now", "",
             "-1", "253402300800", "99999999999999", "1e20")
TEXTS = ("", " ", "\t\n", "x" * 128, "x" * 129, "x" * 200, "x" * 201, "x" * 100_000,
         "\x00", "\u202e\u0645", "\U0001f600", "e\u0301", "__missing__", "__unseen__",
         "NaN", "inf", "-Infinity", "  12 ", "0x10", "1_000", "true", "null")
RAW_STRINGS = ('"\\ud800"', '"\\udfff x"', '"\\ud83d\\ude00"', '"\\u0000"', '"\\x41"',
               '"unterminated', '"a\\', "'single'")
STRUCTURES = ("true", "false", "null", "[]", "{}", "[1]", '{"a": 1}', '[["x"]]',
              _deep("[", "]"), '{"a":' * DEEP + "1" + "}" * DEEP, _deep("[", "]", 1_000))


EDGE_VALUE: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(INTEGERS + FLOATS + STRUCTURES + RAW_STRINGS),
    st.sampled_from(DATETIMES + TEXTS).map(json_string),
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(max_size=40).map(json_string),
)
_EXTRA = st.lists(st.tuples(st.text(max_size=10), EDGE_VALUE), max_size=2)
_SEPARATOR = st.sampled_from([",", ", ", ",\n  "])


def edge_value() -> st.SearchStrategy[str]:
    """The JSON text of one hostile value for any field."""
    return EDGE_VALUE


_KEEP = st.integers(0, 9)


@lru_cache(maxsize=64)
def _duplicated(names: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(names), max_size=2)


@lru_cache(maxsize=64)
def _position(length: int) -> st.SearchStrategy[int]:
    return st.integers(0, length)


def json_object(draw: st.DrawFn, fields: dict[str, str]) -> bytes:
    """Draw an object of the given ``name -> JSON text`` fields (inside a composite
    strategy), with some maybe dropped, some duplicated (the copy before or after) and
    unknown ones added; separators vary. (Strategies are built once and cached: building
    one per draw costs Hypothesis more than the draw.)"""
    names = sorted(fields)
    pairs = [(k, fields[k]) for k in names if draw(_KEEP) > 0]
    for k in draw(_duplicated(tuple(names))) if names else []:
        pairs.insert(draw(_position(len(pairs))), (k, draw(EDGE_VALUE)))
    pairs += draw(_EXTRA)
    body = draw(_SEPARATOR).join(f"{json_string(k)}:{v}" for k, v in pairs)
    return ("{" + body + "}").encode("utf-8", "surrogatepass")


_BYTES = st.one_of(st.none(), st.binary(max_size=300),
                   st.binary(max_size=40).map(lambda b: b'{"lead_id": "' + b + b'"}'))
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                     st.text(max_size=30))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                       max_leaves=20)
_OBJECTS = st.dictionaries(st.sampled_from(["lead_id", "event_id", "occurred_at"])
                           | st.text(max_size=12), _VALUES, max_size=8)
_JSON = st.one_of(_VALUES, _OBJECTS).map(
    lambda v: json.dumps(v).encode("utf-8", "surrogatepass"))


def arbitrary_bytes() -> st.SearchStrategy[bytes | None]:
    """Any value a producer can put on a topic, tombstones and non-UTF-8 included."""
    return _BYTES


def arbitrary_json() -> st.SearchStrategy[bytes]:
    """Any JSON document ``json.dumps`` writes (NaN/Infinity included), objects often."""
    return _JSON
