"""Per-event isolation: a failure of a whole batch narrowed down to the items causing it.

:func:`bisect` handles a batch whole; if that raises, it handles each half on its own, and
so on down to the single items that fail alone. Every other item is handled in some part
that succeeded. The handler must be repeatable (the scorer's is: validation and scoring
are pure, and event-id claims are idempotent per source position). One bad item in a batch
of n costs about 2·log2(n) extra handler calls; a batch whose every item fails, 2n - 1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def bisect(items: Sequence[T], handle: Callable[[Sequence[T], str], R], tag: str
           ) -> tuple[list[R], list[tuple[T, Exception]]]:
    """The results of the parts handled, in input order, and each item that failed alone
    with its exception. ``tag`` names the part (``tag/0``, ``tag/1`` for its halves)."""
    parts: list[R] = []
    failed: list[tuple[T, Exception]] = []
    # Depth first with a stack of parts still to handle, not a recursive closure: a nested
    # function that calls itself is a reference cycle (function -> cell -> function) holding
    # ``handle`` and with it the whole batch until the garbage collector finds it, which
    # under the scorer's rare collections kept ~15 batches of events and records alive.
    todo: list[tuple[Sequence[T], str]] = [(items, tag)] if items else []
    while todo:
        part, part_tag = todo.pop()
        try:
            parts.append(handle(part, part_tag))
        except Exception as exc:  # any failure of the part: narrowed down below
            if len(part) == 1:
                failed.append((part[0], exc))
                continue
            mid = len(part) // 2
            todo += [(part[mid:], f"{part_tag}/1"), (part[:mid], f"{part_tag}/0")]
    return parts, failed
