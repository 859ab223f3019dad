"""Unknown-attribute counts in window samples: merged exactly, in any order and split, while
bounded (the first 100 names in sort order keep their count, the rest go to __other__),
through the contract, into the window's performance report."""

from __future__ import annotations

from collections import Counter
from functools import reduce

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from monitors.batch_sample import batch_sample, empty_sample
from monitors.reports import performance_report
from monitors.sketches import SampleKey, WindowSample
from schemas.monitor import MAX_UNKNOWN_NAMES, UNKNOWN_OTHER, ModelRole, MonitorSample
from schemas.spec import load_spec

KEY = SampleKey("m", ModelRole.CHAMPION, "1")
NAMES = [f"a{i:03}" for i in range(160)] + [UNKNOWN_OTHER]


def _sample(counts: dict[str, int]) -> WindowSample:
    s = batch_sample(model_name="m", role="champion", model_version="1", profile=None,
                     spec=load_spec(), numeric={}, categories={}, scores=np.array([0.5]),
                     latencies_ms=np.array([1.0]), unknown_attributes=counts)
    return WindowSample.from_contract(s)


def _by_hand(batches: list[dict[str, int]]) -> dict[str, int]:
    total = Counter()
    for b in batches:
        total.update(b)
    names = sorted(k for k in total if k != UNKNOWN_OTHER)
    if len(names) <= MAX_UNKNOWN_NAMES:
        return {k: v for k, v in total.items() if v}
    kept = {k: total[k] for k in names[:MAX_UNKNOWN_NAMES]}
    return {**kept, UNKNOWN_OTHER: sum(total.values()) - sum(kept.values())}


batches = st.lists(st.dictionaries(st.sampled_from(NAMES), st.integers(1, 50), max_size=60),
                   min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(batches, st.randoms(use_true_random=False))
def test_merged_counts_are_exact_in_any_order_and_bounded(parts, rnd) -> None:
    parts = [dict(sorted(p.items())[:MAX_UNKNOWN_NAMES]) for p in parts]  # one batch's bound
    samples = [_sample(p) for p in parts]
    rnd.shuffle(samples)
    merged = reduce(WindowSample.merge, samples, empty_sample(KEY, None))
    assert merged.unknown == _by_hand(parts)
    assert len(merged.unknown) <= MAX_UNKNOWN_NAMES + 1
    back = WindowSample.from_contract(MonitorSample.model_validate_json(
        merged.to_contract().model_dump_json()))
    assert back.unknown == merged.unknown


def test_a_window_reports_its_unknown_attributes() -> None:
    window = _sample({"emp-var-rate": 3}).merge(_sample({"emp-var-rate": 2, "x": 1}))
    report = performance_report(window, 0, 60_000)
    assert report.unknown_attributes == {"emp-var-rate": 5, "x": 1}
    assert window.result().unknown_attributes == {"emp-var-rate": 5, "x": 1}


def test_a_sample_carries_at_most_101_short_names() -> None:
    base = _sample({}).to_contract().model_dump()
    with pytest.raises(ValidationError):
        MonitorSample(**{**base, "unknown_attributes": {f"n{i}": 1 for i in range(102)}})
    with pytest.raises(ValidationError):
        MonitorSample(**{**base, "unknown_attributes": {"x" * 65: 1}})
    assert MonitorSample(**{**base, "unknown_attributes": {}}).unknown_attributes == {}
