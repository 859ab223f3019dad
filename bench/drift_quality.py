"""Drift quality: leadstream's calibrated verdict against the seed's naive rule, same streams.

For each window size: ``stationary`` windows of unshifted synthetic CRM traffic (false
alarm rate), and ``runs`` streams whose ``engagement_score`` moves by ``shift`` standard
deviations from the first window on (detection delay, in windows). Methods:

* ``leadstream``: the default :class:`~monitors.drift.DriftPolicy` verdict (min n,
  chi-square gate with BH/Holm, PSI materiality) after k-of-m persistence (2 of 3);
* ``leadstream_raw``: the same verdict without persistence;
* ``naive``: the seed's rule, any feature with PSI > 0.2 or (numeric) KS > 0.1.

Run ``python -m bench.drift_quality``; prints a table, writes ``bench/results/drift_quality.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from monitors.binning import Binner, build_reference_profile
from monitors.drift import DriftPolicy, DriftResult, evaluate_drift
from monitors.persistence import PersistenceRule, PersistenceState, persist
from monitors.sketches import SampleKey, WindowSample
from schemas.monitor import ModelRole, Severity
from schemas.spec import load_spec
from scoring.synthetic import SyntheticCRM, true_probability

RESULTS = Path(__file__).parent / "results"
METHODS = ("leadstream", "leadstream_raw", "naive")
KEY = SampleKey("bench", ModelRole.CHAMPION, "1")


def reference(seed: int, n_rows: int) -> Binner:
    """A binner on the profile of a large stationary sample (vocabularies as observed)."""
    frame = SyntheticCRM(seed).leads(n_rows)
    spec = load_spec()
    vocab = {f.name: tuple(frame[f.name].dropna().value_counts().index) for f in spec.categorical}
    spec = spec.with_vocabularies(vocab)
    return Binner(build_reference_profile(frame, true_probability(frame), spec), spec)


def naive_alarm(result: DriftResult) -> bool:
    """The seed's rule: PSI > 0.2 or KS > 0.1 on any feature, no correction, no minimum n."""
    return any(f.psi > 0.2 or (f.ks is not None and f.ks > 0.1) for f in result.features)


class Stream:
    """One monitored stream: draws windows, judges them, keeps the persistence state."""

    def __init__(self, binner: Binner, seed: int, rule: PersistenceRule, policy: DriftPolicy):
        self.binner, self.crm, self.rule, self.policy = binner, SyntheticCRM(seed), rule, policy
        self.state = PersistenceState()

    def next_window(self, n: int, shift: float) -> dict[str, bool]:
        frame = self.crm.leads(n, {"engagement_score": shift} if shift else None)
        sample = WindowSample.empty(KEY, self.binner.profile).update(
            self.binner, frame, true_probability(frame), []
        )
        result = evaluate_drift(sample, self.binner.profile, self.policy)
        self.state, persisted = persist(self.state, {"verdict": result.verdict}, self.rule)
        flagged = (Severity.WARN, Severity.CRITICAL)
        return {
            "leadstream": persisted["verdict"] in flagged,
            "leadstream_raw": result.verdict in flagged,
            "naive": naive_alarm(result),
        }


def measure(binner: Binner, n: int, stationary: int, runs: int, horizon: int, shift: float,
            seed: int, rule: PersistenceRule, policy: DriftPolicy) -> dict:
    """False-alarm rates and detection delays of every method at window size ``n``."""
    calm = Stream(binner, seed, rule, policy)
    alarms = np.array([[w[m] for m in METHODS] for w in
                       (calm.next_window(n, 0.0) for _ in range(stationary))])
    delays: dict[str, list[int | None]] = {m: [] for m in METHODS}
    for r in range(runs):
        stream = Stream(binner, seed + 1 + r, rule, policy)
        flags = [stream.next_window(n, shift) for _ in range(horizon)]
        for m in METHODS:
            hit = next((i + 1 for i, w in enumerate(flags) if w[m]), None)
            delays[m].append(hit)
    out = {"window_size": n, "stationary_windows": stationary, "shift_runs": runs}
    for j, m in enumerate(METHODS):
        found = [d for d in delays[m] if d is not None]
        out[m] = {
            "false_alarm_rate": float(alarms[:, j].mean()) if stationary else None,
            "detected_within_2": sum(d <= 2 for d in found) / runs if runs else None,
            "median_delay": float(np.median(found)) if found else None,
            "max_delay": max(found) if len(found) == runs and found else None,
        }
    return out


def run(sizes=(100, 1000, 5000), stationary=300, runs=20, horizon=6, shift=0.5, seed=7,
        reference_rows=200_000) -> dict:
    rule, policy = PersistenceRule(), DriftPolicy()
    started = time.perf_counter()
    binner = reference(seed, reference_rows)
    rows = [measure(binner, n, stationary, runs, horizon, shift, seed * 1000 + n, rule, policy)
            for n in sizes]
    return {
        "shift_sigma": shift, "reference_rows": reference_rows, "seed": seed,
        "persistence": {"k": rule.k, "m": rule.m}, "policy": policy.__dict__,
        "seconds": round(time.perf_counter() - started, 1), "rows": rows,
    }


def table(report: dict) -> str:
    head = (f"{'n/window':>8} {'method':<15} {'false alarms':>12} {'det<=2':>7} "
            f"{'median':>6} {'max':>4}")
    lines = [head, "-" * len(head)]
    for row in report["rows"]:
        for m in METHODS:
            r = row[m]
            fa = "-" if r["false_alarm_rate"] is None else f"{100 * r['false_alarm_rate']:.1f} %"
            det = "-" if r["detected_within_2"] is None else f"{100 * r['detected_within_2']:.0f} %"
            lines.append(f"{row['window_size']:>8} {m:<15} {fa:>12} {det:>7} "
                         f"{_fmt(r['median_delay']):>6} {_fmt(r['max_delay']):>4}")
    return "\n".join(lines)


def _fmt(x) -> str:
    return "-" if x is None else f"{x:g}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    ap.add_argument("--stationary", type=int, default=300, help="stationary windows per size")
    ap.add_argument("--runs", type=int, default=20, help="shifted streams per size")
    ap.add_argument("--shift", type=float, default=0.5, help="engagement shift in sd")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--reference-rows", type=int, default=200_000)
    ap.add_argument("--out", type=Path, default=RESULTS / "drift_quality.json")
    args = ap.parse_args(argv)
    report = run(tuple(args.sizes), args.stationary, args.runs, shift=args.shift, seed=args.seed,
                 reference_rows=args.reference_rows)
    print(table(report))
    print(f"({report['seconds']} s; false alarms: share of stationary windows; det<=2: share "
          f"of {args.runs} shifted streams flagged within 2 windows; delays in windows)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
