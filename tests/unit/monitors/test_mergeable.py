"""The shared check suite every mergeable sketch must pass.

Merge is exact, associative and order-independent; splitting a stream anywhere and merging
the parts equals the whole; a serialization round trip changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import pytest

from monitors.latency import LatencySketch
from monitors.sketches import WindowSample
from schemas.monitor import MonitorSample

from .conftest import draw, scores_of


@dataclass
class Case:
    """How to feed, empty and serialize one sketch type over row ranges of one data set."""

    name: str
    empty: Any
    feed: Any  # (state, data, lo, hi) -> state
    data: Any  # rng -> data
    size: Any  # data -> rows
    roundtrip: Any  # state -> state


def _latency_case(*_):
    return Case(
        "latency",
        lambda: LatencySketch(),
        lambda s, d, lo, hi: s.update(d[lo:hi]),
        lambda rng: np.concatenate([rng.lognormal(1, 1, 997), [0.0, 0.0]]),
        len,
        lambda s: LatencySketch.from_dict(s.to_dict()),
    )


def _window_case(binner, profile, key):
    def feed(s, d, lo, hi):
        cols = {k: v[lo:hi] for k, v in d["cols"].items()}
        return s.update(binner, cols, scores_of(cols), d["lat"][lo:hi], d["t"][lo:hi],
                        n_rejected=int(d["rej"][lo:hi].sum()),
                        n_failed=int(d["fail"][lo:hi].sum()))

    def data(rng):
        return {"cols": draw(rng, 999), "lat": rng.lognormal(1, 1, 999),
                "t": rng.integers(0, 10**12, 999),
                "rej": rng.random(999) < 0.05, "fail": rng.random(999) < 0.01}

    def roundtrip(s):
        wire = s.to_contract("id-1").model_dump_json()
        return WindowSample.from_contract(MonitorSample.model_validate_json(wire))

    return Case("window", lambda: WindowSample.empty(key, profile), feed, data,
                lambda d: len(d["lat"]), roundtrip)


@pytest.fixture(params=[_latency_case, _window_case])
def case(request, binner, profile, key) -> Case:
    return request.param(binner, profile, key)


def _parts(case: Case, d, cuts):
    bounds = [0, *cuts, case.size(d)]
    return [case.feed(case.empty(), d, lo, hi) for lo, hi in pairwise(bounds)]


@pytest.mark.parametrize("seed", range(3))
def test_split_anywhere_equals_whole(case, seed):
    rng = np.random.default_rng(seed)
    d = case.data(rng)
    whole = case.feed(case.empty(), d, 0, case.size(d))
    cuts = sorted(rng.choice(np.arange(1, case.size(d)), size=4, replace=False).tolist())
    merged = case.empty()
    for part in _parts(case, d, cuts):
        merged = merged.merge(part)
    assert merged == whole


def test_merge_is_associative_and_commutative(case):
    d = case.data(np.random.default_rng(11))
    a, b, c = _parts(case, d, [300, 650])
    assert a.merge(b).merge(c) == a.merge(b.merge(c))
    assert a.merge(b) == b.merge(a)
    assert c.merge(a).merge(b) == a.merge(b).merge(c)


def test_empty_is_the_identity(case):
    d = case.data(np.random.default_rng(12))
    a = case.feed(case.empty(), d, 0, 500)
    assert a.merge(case.empty()) == a == case.empty().merge(a)


def test_serialization_round_trip(case):
    d = case.data(np.random.default_rng(13))
    a = case.feed(case.empty(), d, 0, case.size(d))
    assert case.roundtrip(a) == a
    assert case.roundtrip(case.empty()) == case.empty()


def test_merge_does_not_mutate_its_inputs(case):
    d = case.data(np.random.default_rng(14))
    a, b = _parts(case, d, [400])
    a_copy, b_copy = case.roundtrip(a), case.roundtrip(b)
    a.merge(b)
    assert a == a_copy and b == b_copy


def test_window_merge_refuses_other_models_or_layouts(binner, profile, key):
    from monitors.sketches import SampleKey

    a = WindowSample.empty(key, profile)
    with pytest.raises(ValueError):
        a.merge(WindowSample.empty(SampleKey(key.model_name, key.role, "other"), profile))
    with pytest.raises(ValueError):
        a.merge(WindowSample(key, {}, {}, a.score_counts))
