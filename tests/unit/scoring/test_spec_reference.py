"""The reference's table writer on a model of its own: every kind of field type in words,
pipes in a meaning escaped, a field without a description left blank."""

from __future__ import annotations

import typing
from pathlib import Path

from pydantic import BaseModel, Field

from scoring.spec_reference import _table, _type


class Other(BaseModel):
    path: Path = Field(Path("x"), description="a | b")
    items: typing.Tuple = ()  # noqa: UP006 - a bare tuple has no item type
    words: tuple[str, ...] = ()
    count: int = 0


def test_types_without_a_known_name_are_named_as_python_names_them() -> None:
    assert _type(Path) == "Path"
    assert _type(typing.Tuple) == "list"  # noqa: UP006
    assert _type("Lead") == "Lead"  # a forward reference is text: its own name
    assert _type(tuple[str, ...]) == "list of text"


def test_a_table_of_a_model_escapes_pipes_and_leaves_no_description_blank() -> None:
    assert _table(Other) == "\n".join([
        "| key | type | default | meaning |", "|---|---|---|---|",
        "| `path` | Path | `x` | a \\| b |",
        "| `items` | list | empty |  |",
        "| `words` | list of text | empty |  |",
        "| `count` | whole number | `0` |  |"])
    assert _table(Other, skip={"items"}).splitlines()[2:] == [
        "| `path` | Path | `x` | a \\| b |", "| `words` | list of text | empty |  |",
        "| `count` | whole number | `0` |  |"]
