"""JSON text of scalars for records built from a batch's columns, one f-string per record.

Byte for byte what :func:`json.dumps` writes for the same values (ASCII strings through the
same C escaper, floats and ints through their ``repr``): the hot path formats one string per
lead from pre-encoded parts instead of building and encoding a dict. The pydantic models
(:class:`~schemas.scored.ScoredLead`, :class:`~schemas.ledger.LedgerEntry`) stay the
contracts; the unit tests validate these texts against them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from json.encoder import encode_basestring_ascii as quote

__all__ = ["FloatTexts", "column", "numeric", "quote", "text", "value"]
_NUMBERS = frozenset({int, float, type(None)})
"""The types :func:`column` formats in one C call (``bool`` is not among them)."""


def text(s: str | None) -> str:
    """A JSON string, or ``null``."""
    return "null" if s is None else quote(s)


def value(v: object) -> str:
    """A JSON scalar (``None``, bool, int, float, str); anything else through json.dumps."""
    if v is None:
        return "null"
    if isinstance(v, str):
        return quote(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return int.__repr__(v)
    if isinstance(v, float):
        return json.dumps(v) if v != v or v in (float("inf"), float("-inf")) else repr(v)
    return json.dumps(v)


def numeric(values: Sequence) -> bool:
    """Whether every value is an int, a float or ``None`` (their types, gathered in C)."""
    return set(map(type, values)) <= _NUMBERS


def column(values: Sequence) -> list[str]:
    """The JSON text of each value of a column: one C-encoded ``json.dumps`` for a column
    of numbers (and ``None``), split on its commas; :func:`value` per item otherwise."""
    if not values:
        return []
    if numeric(values):
        return json.dumps(list(values), separators=(",", ":"))[1:-1].split(",")
    return [value(v) for v in values]


class FloatTexts:
    """:func:`column` for floats that recur batch after batch (weights rounded to a few
    decimals), memoised: one C pass of dict lookups, ``json.dumps`` only for the values not
    seen yet. Zeros are never kept (``0.0`` and ``-0.0`` are one key but two texts), nor
    NaN or infinities; the memo is emptied when it holds ``limit`` texts (~110 bytes each)."""

    def __init__(self, limit: int = 50_000):
        self._memo: dict[float, str] = {}
        self._limit = limit

    def column(self, values: list[float]) -> list[str]:
        out = list(map(self._memo.get, values))
        if None not in out:
            return out  # type: ignore[return-value]
        missing = [i for i, t in enumerate(out) if t is None]
        texts = column([values[i] for i in missing])
        if len(self._memo) + len(missing) > self._limit:
            self._memo.clear()
        for i, t in zip(missing, texts, strict=True):
            out[i] = t
            v = values[i]
            if v and v - v == 0.0:  # not zero, NaN or infinite
                self._memo[v] = t
        return out  # type: ignore[return-value]
