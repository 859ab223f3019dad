"""Why leadstream tests experiments sequentially: a seeded simulation, in one table.

    python -m bench.experiments_sim [--experiments 2000] [--looks 20] [--lift 0.2]

A/A rows: false-positive rate of the fixed-horizon chi-square re-read at 1, 5, 10 and
20 equally spaced looks, and of the always-valid mSPRT (Johari et al. 2017) read at all
20. A/B rows: power for a relative lift of ``--lift`` on ``--base-rate``, and the mean
share of the horizon the mSPRT needed when it stopped. Also the routing cost per lead.

Power table (issue 18): for base rates 2 %, 5 %, 20 % x treatment shares 5 %, 10 %, 50 %,
an MDE of ``--mde-rel`` x the base rate, the mSPRT tuned to that MDE
(:mod:`scoring.experiments.tuning`) against the fixed-horizon chi-square read once at the
same sample size ``n*`` (the one that plans 80 % power for the MDE); the mSPRT is read at
``--looks-per-n`` looks per ``n*``. Also: the sample size at which the mSPRT reaches the
fixed test's power, and the A/A false-positive rate read at every look out to
``--horizon`` x ``n*``.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np
from scipy import stats

from scoring.experiments.bounded import GUARD_SCALE, GUARD_SHARE, boundary
from scoring.experiments.simulation import (
    SimulatedLooks,
    bounded_crossings,
    naive_rejections,
    sequential_crossings,
    simulate_looks,
)
from scoring.experiments.tuning import boundary_ratio, design_variance, mixing_variance
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
    p.add_argument("--power-experiments", type=int, default=2000,
                   help="experiments per cell of the power table (0: skip the table)")
    p.add_argument("--looks-per-n", type=int, default=50, help="looks per planned n*")
    p.add_argument("--horizon", type=int, default=4, help="simulate out to this x n*")
    p.add_argument("--mde-rel", type=float, default=0.20, help="MDE relative to the base rate")
    p.add_argument("--bounded-horizon", type=float, default=1.0,
                   help="the bounded test's maximum information, x n*")
    p.add_argument("--aa-experiments", type=int, default=20000,
                   help="A/A experiments per cell for the bounded test's false-positive rate")
    p.add_argument("--aa-looks", type=int, default=200,
                   help="looks up to the bounded test's horizon in its A/A rows")
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
    if a.power_experiments > 0:
        power_table(a)


def _first(sim: SimulatedLooks, looks: int) -> SimulatedLooks:
    return SimulatedLooks(*(x[:, :looks] for x in (sim.conv_control, sim.n_control,
                                                    sim.conv_treatment, sim.n_treatment)))


def _n_star(a: argparse.Namespace, base: float, share: float) -> tuple[float, float]:
    mde = a.mde_rel * base
    return mde, base * (1 - base) * (1 / share + 1 / (1 - share)) / design_variance(mde,
                                                                                   a.alpha)


def _power_cell(a: argparse.Namespace, base: float, share: float, seed: int) -> str:
    k = a.looks_per_n
    mde, n_star = _n_star(a, base, share)
    kw = dict(experiments=a.power_experiments, looks=k * a.horizon,
              leads_per_look=math.ceil(n_star / k), share=share)
    ab = simulate_looks(seed, p_control=base, p_treatment=base + mde, **kw)
    aa = simulate_looks(seed + 1, p_control=base, p_treatment=base, **kw)
    tau2 = mixing_variance(mde, a.alpha)
    fixed = naive_rejections(_first(ab, k), a.alpha, k).mean()
    crossed = sequential_crossings(ab, a.alpha, tau2)
    by_look = np.maximum.accumulate(crossed, axis=1).mean(axis=0)
    tuned, untuned = by_look[k - 1], sequential_crossings(_first(ab, k), a.alpha,
                                                           a.tau**2).any(axis=1).mean()
    reach = np.flatnonzero(by_look >= fixed)
    n_reach = f"{(reach[0] + 1) / k:.2f} n*" if reach.size else f"> {a.horizon} n*"
    fpr = sequential_crossings(aa, a.alpha, tau2).any(axis=1).mean()
    naive = naive_rejections(aa, a.alpha).mean()
    ok = "yes" if tuned >= 0.85 * fixed else "no"
    return (f"| {base:.0%} | {share:.0%} | {mde:.3f} | {n_star:,.0f} | {fixed:.1%} | "
            f"{untuned:.1%} | {tuned:.1%} | {tuned / fixed:.2f} | {ok} | {n_reach} | "
            f"{fpr:.1%} | {naive:.1%} |")


def power_table(a: argparse.Namespace) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\npower at the MDE ({a.mde_rel:.0%} relative), {a.power_experiments} experiments "
          f"per cell, {a.looks_per_n} looks per n*, A/A to {a.horizon} n* "
          f"({a.looks_per_n * a.horizon} looks), alpha {a.alpha}; load {load}")
    z_fixed = stats.norm.ppf(1 - a.alpha / 2)
    print(f"at n* the tuned mSPRT needs |z| >= {math.sqrt(boundary_ratio(a.alpha) + 1):.2f}, "
          f"the chi-square |z| >= {z_fixed:.2f}")
    print(f"| base | share | MDE | n* (leads) | fixed chi2 | mSPRT tau={a.tau:.2g} | mSPRT "
          "tuned | ratio | >= 0.85 | tuned mSPRT reaches fixed power at | A/A FPR tuned "
          "mSPRT, all looks | A/A FPR chi2 re-read |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    start = time.perf_counter()
    for i, base in enumerate((0.02, 0.05, 0.20)):
        for j, share in enumerate((0.05, 0.10, 0.50)):
            print(_power_cell(a, base, share, a.seed + 10 * (3 * i + j)), flush=True)
    print(f"power table {time.perf_counter() - start:.1f} s")
    bounded_table(a)


def _bounded_cell(a: argparse.Namespace, base: float, share: float, seed: int) -> str:
    """The horizon-bounded test against the chi-square, both at ``n*``; A/A at
    ``--aa-looks`` looks to the horizon (and a few past it, which are not tested)."""
    k, h = a.looks_per_n, a.bounded_horizon
    mde, n_star = _n_star(a, base, share)
    ab = simulate_looks(seed, experiments=a.power_experiments, looks=k,
                        leads_per_look=math.ceil(n_star / k), share=share,
                        p_control=base, p_treatment=base + mde)
    fixed = naive_rejections(ab, a.alpha, k).mean()
    crossed = bounded_crossings(ab, a.alpha, mde, h)
    power = crossed.any(axis=1).mean()
    first = (crossed.argmax(axis=1)[crossed.any(axis=1)] + 1) / k
    looks = a.aa_looks
    aa = simulate_looks(seed + 1, experiments=a.aa_experiments, looks=looks + looks // 20,
                        leads_per_look=math.ceil(h * n_star / looks), share=share,
                        p_control=base, p_treatment=base)
    fpr = bounded_crossings(aa, a.alpha, mde, h).any(axis=1).mean()
    fpr_small = bounded_crossings(aa, a.alpha, mde, h, burn_in=10).any(axis=1).mean()
    ok = "yes" if power >= 0.85 * fixed else "no"
    return (f"| {base:.0%} | {share:.0%} | {n_star:,.0f} | {fixed:.1%} | {power:.1%} | "
            f"{power / fixed:.2f} | {ok} | {np.mean(first):.2f} n* | {fpr:.1%} | "
            f"{fpr_small:.1%} |")


def bounded_table(a: argparse.Namespace) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nhorizon-bounded test (horizon {a.bounded_horizon:g} n*, |B| >= "
          f"{boundary((1 - GUARD_SHARE) * a.alpha):.2f}, or its guard: an mSPRT at "
          f"{GUARD_SHARE:g} alpha tuned to {GUARD_SCALE:g} MDE), {a.power_experiments} "
          f"experiments per cell, {a.looks_per_n} looks per n*, A/A: {a.aa_experiments} "
          f"experiments at {a.aa_looks} looks to the horizon, alpha {a.alpha}; load {load}")
    print("| base | share | n* (leads) | fixed chi2 | bounded | ratio | >= 0.85 | bounded "
          "detects at (mean) | A/A FPR bounded, burn-in 100 | A/A FPR bounded, burn-in 10 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    start = time.perf_counter()
    for i, base in enumerate((0.02, 0.05, 0.20)):
        for j, share in enumerate((0.05, 0.10, 0.50)):
            print(_bounded_cell(a, base, share, a.seed + 10 * (3 * i + j)), flush=True)
    print(f"bounded table {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
