"""The latency sketch's quantiles against numpy, within its 1 % relative accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from monitors.latency import LatencySketch

TOL = 0.01 * (1 + 1e-9)
QS = (0.0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0)


def _data(kind: str, rng: np.random.Generator) -> np.ndarray:
    if kind == "lognormal":
        return rng.lognormal(1.0, 1.2, 20_000)
    if kind == "pareto":
        return (rng.pareto(1.5, 20_000) + 1) * 3
    return rng.uniform(0.05, 2_000, 20_000)


@pytest.mark.parametrize("kind", ["lognormal", "pareto", "uniform"])
def test_quantiles_within_relative_error_of_numpy(kind):
    x = _data(kind, np.random.default_rng(1))
    sketch = LatencySketch().update(x)
    for q in QS:
        exact = np.quantile(x, q, method="lower")
        assert abs(sketch.quantile(q) - exact) <= TOL * exact, q


def test_quantiles_close_to_interpolated_numpy_on_large_samples():
    x = np.random.default_rng(2).lognormal(2.0, 0.7, 50_000)
    sketch = LatencySketch().update(x)
    for q in (0.5, 0.95, 0.99):
        assert sketch.quantile(q) == pytest.approx(np.quantile(x, q), rel=0.011)


def test_count_max_zero_bucket_and_nan():
    sketch = LatencySketch().update([0.0, 0.0, 5.0, float("nan"), 12.5])
    assert sketch.count == 4 and sketch.zero_count == 2 and sketch.max == 12.5
    assert sketch.quantile(0.0) == 0.0
    assert sketch.quantile(1.0) == pytest.approx(12.5, rel=0.01)


def test_empty_sketch_has_no_quantile():
    assert LatencySketch().quantile(0.5) is None
    with pytest.raises(ValueError):
        LatencySketch().quantile(1.5)


def test_merge_refuses_a_different_accuracy():
    with pytest.raises(ValueError):
        LatencySketch(0.01).merge(LatencySketch(0.02))


def test_bucket_count_stays_small():
    x = np.random.default_rng(3).lognormal(1.0, 2.0, 100_000)
    assert LatencySketch().update(x).keys.size < 1_200
