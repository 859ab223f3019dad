"""Why leadstream tests experiments sequentially: a seeded simulation, in one table.

    python -m bench.experiments_sim [--experiments 2000] [--looks 20] [--lift 0.2]

A/A rows: false-positive rate of the fixed-horizon chi-square re-read at 1, 5, 10 and
20 equally spaced looks, and of the always-valid mSPRT (Johari et al. 2017) read at all
20. A/B rows: power for a relative lift of ``--lift`` on ``--base-rate``, and the mean
share of the horizon the mSPRT needed when it stopped. Also the routing cost per lead.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from scoring.experiments.simulation import (
    naive_rejections,
    sequential_crossings,
    simulate_looks,
)
from scoring.routing import treatment_mask


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--experiments", type=int, default=2000)
    p.add_argument("--looks", type=int, default=20)
    p.add_argument("--leads-per-look", type=int, default=1000, help="both arms together")
    p.add_argument("--base-rate", type=float, default=0.10)
    p.add_argument("--lift", type=float, default=0.20, help="relative lift for the A/B rows")
    p.add_argument("--share", type=float, default=0.5)
    p.add_argument("--tau", type=float, default=0.02, help="mSPRT mixing sd (tau^2 = tau*tau)")
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=2017)
    return p.parse_args()


def _row(label: str, value: float, note: str = "") -> None:
    print(f"  {label:<48} {value:>7.1%}  {note}")


def _routing_us_per_lead() -> float:
    ids = [f"lead-{i:08d}" for i in range(1000)]
    start = time.perf_counter()
    for _ in range(200):
        treatment_mask("bench-salt", 0.3, ids)
    return (time.perf_counter() - start) / 200 / 1000 * 1e6


def main() -> None:
    a = _args()
    kw = dict(experiments=a.experiments, looks=a.looks, leads_per_look=a.leads_per_look,
              share=a.share)
    tau2 = a.tau**2
    start = time.perf_counter()
    aa = simulate_looks(a.seed, p_control=a.base_rate, p_treatment=a.base_rate, **kw)
    ab = simulate_looks(a.seed + 1, p_control=a.base_rate,
                        p_treatment=a.base_rate * (1 + a.lift), **kw)
    print(f"{a.experiments} experiments x {a.looks} looks, {a.leads_per_look} leads/look, "
          f"share {a.share}, base rate {a.base_rate}, alpha {a.alpha}, tau {a.tau}, "
          f"seed {a.seed}")
    print("A/A (no true difference): false-positive rate")
    for k in sorted({1, 5, 10, a.looks} & set(range(1, a.looks + 1))):
        if a.looks % k == 0:
            _row(f"fixed-horizon chi-square, read at {k} look{'s' if k > 1 else ''}",
                 naive_rejections(aa, a.alpha, a.looks // k).mean())
    _row(f"mSPRT (always valid), read at {a.looks} looks",
         sequential_crossings(aa, a.alpha, tau2).any(axis=1).mean(), f"must be <= {a.alpha}")
    print(f"A/B (relative lift {a.lift:+.0%}): power")
    _row("fixed-horizon chi-square, read once at the end",
         naive_rejections(ab, a.alpha, a.looks).mean())
    crossed = sequential_crossings(ab, a.alpha, tau2)
    stopped = crossed.any(axis=1)
    first = (crossed.argmax(axis=1)[stopped] + 1) / a.looks
    note = f"stops at {np.mean(first):.0%} of the horizon on average" if stopped.any() else ""
    _row(f"mSPRT, read at {a.looks} looks", stopped.mean(), note)
    print(f"simulation {time.perf_counter() - start:.2f} s; "
          f"routing {_routing_us_per_lead():.2f} us/lead (batches of 1,000)")


if __name__ == "__main__":
    main()
