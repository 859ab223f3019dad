"""Reason codes: cost of approximate (Saabas) and exact (TreeSHAP) contributions next to a
plain prediction, and how often the approximate top-k reasons agree with the exact ones.

    python -m bench.reasons_agreement [--rows 1000] [--k 3]

Models: the default synthetic one (20,000 leads, seed 0) and one trained on the X Education
export (``examples/x-education.spec.toml``); both scored on their held-out rows, one thread.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from schemas.spec import load_spec
from scoring.crm_export import read_crm_export
from scoring.features import FeatureEncoder
from scoring.reasons import contributions, fold_matrix, top_reasons
from scoring.synthetic import SyntheticCRM
from scoring.training import TrainConfig, train_model

ROOT = Path(__file__).resolve().parents[1]


def _best_ms(fn, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def _agreement(exact: np.ndarray, approx: np.ndarray, k: int) -> dict[str, float]:
    eu, ed = top_reasons(exact, k)
    au, ad = top_reasons(approx, k)
    same_sets = np.mean([set(eu[i]) == set(au[i]) and set(ed[i]) == set(ad[i])
                         for i in range(len(eu))])
    overlap = np.mean([(len(set(eu[i]) & set(au[i]) - {-1}) + len(set(ed[i]) & set(ad[i]) - {-1}))
                       / max(1, len(set(eu[i]) - {-1}) + len(set(ed[i]) - {-1}))
                       for i in range(len(eu))])
    top1 = np.mean([eu[i][0] == au[i][0] for i in range(len(eu))])
    return {"same top-k sets": float(same_sets), "top-k overlap": float(overlap),
            "same first reason": float(top1)}


def run(name: str, trained, rows: int, k: int) -> None:
    enc = FeatureEncoder(trained.spec)
    cols = {f: np.asarray(v)[:rows] for f, v in trained.holdout_columns.items()}
    matrix = enc.encode_columns(cols, len(next(iter(cols.values())))).matrix
    booster, names = trained.booster, list(enc.feature_names)
    booster.set_param({"nthread": 1})
    fold = fold_matrix(trained.spec, names)
    t_pred = _best_ms(lambda: booster.inplace_predict(matrix))
    t_approx = _best_ms(lambda: contributions(booster, matrix, names, "approx"))
    t_exact = _best_ms(lambda: contributions(booster, matrix, names, "exact"), 3)
    exact = contributions(booster, matrix, names, "exact")[:, :-1] @ fold
    approx = contributions(booster, matrix, names, "approx")[:, :-1] @ fold
    n = matrix.shape[0]
    print(f"\n{name}: {booster.num_boosted_rounds()} trees, {len(names)} encoded columns, "
          f"{len(trained.spec.features)} features, {n} held-out rows, 1 thread")
    print(f"  inplace_predict {t_pred:7.1f} ms   ({n / t_pred * 1000:>9,.0f} rows/s)")
    print(f"  approx contribs {t_approx:7.1f} ms   ({n / t_approx * 1000:>9,.0f} rows/s)")
    print(f"  exact contribs  {t_exact:7.1f} ms   ({n / t_exact * 1000:>9,.0f} rows/s)")
    for what, value in _agreement(exact, approx, k).items():
        print(f"  approx vs exact, {what} (k={k}): {value:.1%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--k", type=int, default=3)
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    spec = load_spec()
    run("synthetic default", train_model(SyntheticCRM(0).leads(20_000), spec,
                                         TrainConfig(seed=0)), args.rows, args.k)
    x_spec = load_spec(ROOT / "examples" / "x-education.spec.toml")
    frame, _ = read_crm_export(ROOT.parent / "shared" / "datasets" / "x-education-leads.csv",
                               x_spec)
    run("X Education", train_model(frame, x_spec, TrainConfig(seed=0)), args.rows, args.k)


if __name__ == "__main__":
    main()
