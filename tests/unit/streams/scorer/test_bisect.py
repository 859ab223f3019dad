"""The generic narrowing of a failing batch (:func:`streams.scorer.isolation.bisect`)."""

from __future__ import annotations

import gc
import weakref

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.scorer.isolation import bisect


def test_only_the_items_failing_alone_fail_and_the_rest_is_handled_in_order():
    calls: list[tuple[int, ...]] = []

    def handle(part, tag):
        calls.append(tuple(part))
        if any(x % 7 == 3 for x in part):
            raise ValueError("bad")
        return (tag, list(part))

    parts, failed = bisect(list(range(20)), handle, "b")
    assert [x for _, p in parts for x in p] == [x for x in range(20) if x % 7 != 3]
    assert [(x, type(e)) for x, e in failed] == [(3, ValueError), (10, ValueError),
                                                 (17, ValueError)]
    tags = [t for t, _ in parts]
    assert len(set(tags)) == len(tags) and all(t.startswith("b/") for t in tags)
    assert len(calls) <= 2 * 20 - 1


def test_a_batch_that_succeeds_is_handled_once_under_its_own_tag():
    parts, failed = bisect([1, 2, 3], lambda p, t: (t, sum(p)), "whole")
    assert parts == [("whole", 6)] and failed == []
    assert bisect([], lambda p, t: 1 / 0, "none") == ([], [])


class _Event:
    """An item the test can watch die (a weak reference)."""


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 2_000))
def test_a_handled_batch_is_freed_at_once_not_left_to_the_garbage_collector(n):
    # The scorer collects garbage rarely (streams/cli/score.py GC_THRESHOLDS): a batch kept
    # alive by a reference cycle stays in RSS until a collection finds it. (A failing part
    # is different: its exception's traceback holds the frames; those batches are rare.)
    items = [_Event() for _ in range(n)]
    watch = [weakref.ref(x) for x in items]
    enabled = gc.isenabled()
    gc.disable()
    try:
        parts, failed = bisect(items, lambda part, tag: list(part), "b")
        assert [x for p in parts for x in p] == items and failed == []
        del items, parts, failed
        assert [r for r in watch if r() is not None] == []
    finally:
        if enabled:
            gc.enable()
