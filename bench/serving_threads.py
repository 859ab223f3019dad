"""Serving threads: the p50 and p99 of one ``inplace_predict`` per batch size, with the
booster on all cores (XGBoost's default) and on 1 or 2 OpenMP threads, on a machine that
also runs other work (Kafka, Redis, other engineers' tests: the load is printed).

    python -m bench.serving_threads [--repeats 300]

The default synthetic model (20,000 leads, seed 1). Each setting runs twice, interleaved, so
a burst of load on the machine shows as a disagreement between the two runs.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import xgboost as xgb

from schemas.spec import load_spec
from scoring.features import FeatureEncoder
from scoring.synthetic import SyntheticCRM
from scoring.training import TrainConfig, train_model

SIZES = (25, 250, 1000)


def _percentiles(booster: xgb.Booster, matrix: np.ndarray, repeats: int) -> tuple[float, float]:
    booster.inplace_predict(matrix)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        booster.inplace_predict(matrix)
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000), float(np.percentile(times, 99) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    trained = train_model(SyntheticCRM(1).leads(20_000), load_spec(), TrainConfig(seed=1))
    path = Path(tempfile.mkdtemp()) / "model.ubj"
    trained.booster.save_model(path)
    frame = SyntheticCRM(2).leads(max(SIZES))
    columns = {f.name: frame[f.name].to_numpy() for f in trained.spec.features}
    matrix = FeatureEncoder(trained.spec).encode_columns(columns, len(frame)).matrix
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} at start; ms per predict")
    for threads in (None, 1, 2, None, 1, 2):
        booster = xgb.Booster()
        booster.load_model(path)
        if threads is not None:
            booster.set_param({"nthread": threads})
        cells = [_percentiles(booster, matrix[:n], args.repeats) for n in SIZES]
        label = "all cores" if threads is None else f"{threads} thread{'s' * (threads > 1)}"
        print(f"{label:<10}" + "".join(f"  {n:>4} rows p50 {a:5.2f} p99 {b:6.2f}"
                                       for n, (a, b) in zip(SIZES, cells, strict=True)))
    print(f"load {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
