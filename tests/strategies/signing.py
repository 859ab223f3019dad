"""Hostile signature material: arbitrary headers (names, values, repeats) around a record.

Mixes our three header names with arbitrary ones, values of any bytes (including None and
the right lengths: 64-byte signatures, digit strings), so :func:`scoring.control.signing.verify`
meets near-valid headers as often as garbage.
"""

from __future__ import annotations

from hypothesis import strategies as st

from scoring.control.signing import SIGNATURE, SIGNED_AT, SIGNER

__all__ = ["header_lists"]

_NAMES = st.sampled_from([SIGNER, SIGNED_AT, SIGNATURE]) | st.text(max_size=30)
_VALUES = st.none() | st.binary(max_size=80) | st.binary(min_size=64, max_size=64) \
    | st.from_regex(rb"\A[0-9]{1,20}\Z") | st.sampled_from([b"alice", b"", "é".encode()])


def header_lists() -> st.SearchStrategy[list[tuple[str, bytes | None]]]:
    return st.lists(st.tuples(_NAMES, _VALUES), max_size=8)
