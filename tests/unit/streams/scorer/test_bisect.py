"""The generic narrowing of a failing batch (:func:`streams.scorer.isolation.bisect`)."""

from __future__ import annotations

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
