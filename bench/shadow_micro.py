"""What shadow mode costs a batch, stage by stage, in-process, without a broker::

    python -m bench.shadow_micro [--batches 20] [--rounds 3] [--ref REV]

The (a+s) variant of ``make bench`` (``bench/drains.py``) without Kafka: the champion and a
challenger are trained as there (20,000 synthetic leads each, the challenger on the seed +
100), and every batch of 1,000 synthetic events (``bench.stage_micro``'s) runs through a
:class:`~streams.scorer.batch.BatchStep` serving the champion alone and through one serving
it with the challenger in shadow (a ``scores.shadow`` comparison per lead, the challenger's
reasons included), in alternating order; reasons as in ``bench.stage_micro`` (3 up + 3
down, exact for grade A, one thread), no Redis, the collector set as ``leadstream score``
sets it. Prints mean and median ms per batch of every stage for each arm, and the shadow's
extra ms per batch: the challenger's prediction is in ``predict``, its reasons in
``shadow_reasons``, the comparison records in ``shadow``, its monitor sample and the
ledger's challenger score in ``serialize``.

With ``--ref REV`` (a git revision) a third arm serves the shadow with the serving, batch
step, records and reasons code (:data:`AT_REF`) as they are at ``REV``: an A/B in one process, the
two arms' ``scores.shadow`` and ``leads.scored`` records checked equal (parsed; the scoring
time and latencies aside: each run has its own clock).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import numpy as np

from bench.stage_micro import champion, consumed_batches
from schemas.control import ServingConfig, ServingMode
from scoring.grades import GradeScale
from scoring.serving import ServingPlan
from streams.cli.score import freeze_startup_heap
from streams.scorer.batch import BatchStep, OutputTopics
from streams.scorer.explain import Explanations
from streams.scorer.timings import STAGES, StageClock
from streams.stores.dedup import Deduplicator

AT_REF = ("scoring/serving.py", "streams/scorer/explain.py", "streams/scorer/shadow_json.py",
          "streams/scorer/records.py", "streams/scorer/batch.py")
"""Loaded as they are at ``--ref`` (in this order; one missing there is skipped)."""
CLOCKED = ("scored_at", "latency_ms", "champion_latency_ms", "challenger_latency_ms")


def shadow_plan(model, challenger) -> ServingPlan:
    config = ServingConfig(model_name=model.name, champion_version=model.version,
                           challenger_version=challenger.version, mode=ServingMode.SHADOW,
                           sequence=1, actor="bench", updated_at=datetime.now(UTC))
    return ServingPlan(model, challenger, config)


def at_ref(rev: str) -> dict[str, ModuleType]:
    """The :data:`AT_REF` modules as they are at ``rev``, importing each other."""
    root = Path(subprocess.check_output(["git", "rev-parse", "--show-toplevel"], text=True)
                .strip())
    tmp = Path(tempfile.mkdtemp(prefix="shadow-micro-"))
    mods: dict[str, ModuleType] = {}
    loaded: dict[str, str] = {}  # stem: dotted name
    for path in AT_REF:
        stem = Path(path).stem
        shown = subprocess.run(["git", "show", f"{rev}:{path}"], text=True, cwd=root,
                               capture_output=True)
        if shown.returncode:
            continue
        src = shown.stdout
        for done, dotted in loaded.items():
            package = dotted.rsplit(".", 1)[0]
            src = (src.replace(f"from {package} import {done} as", f"import ref_{done} as")
                   .replace(f"{dotted} ", f"ref_{done} "))
        (tmp / f"ref_{stem}.py").write_text(src)
        spec = importlib.util.spec_from_file_location(f"ref_{stem}", tmp / f"ref_{stem}.py")
        assert spec is not None and spec.loader is not None
        mods[stem] = sys.modules[f"ref_{stem}"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mods[stem])
        loaded[stem] = path.removesuffix(".py").replace("/", ".")
    return mods


def _comparable(records) -> list:
    return [(r.topic, {k: v for k, v in json.loads(r.value).items() if k not in CLOCKED})
            for r in records if r.topic in ("scored", "shadow")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ref", default=None, help="git revision to compare with (A/B)")
    a = ap.parse_args()
    model, grades, clock = champion(), GradeScale(), StageClock()
    challenger = dataclasses.replace(champion(seed=103), version="2", alias="challenger")
    topics = OutputTopics("scored", "dead", "shadow", "samples")

    def step(batch_step=BatchStep, explanations=Explanations, shadow=True):
        plan = shadow_plan(model, challenger) if shadow else ServingPlan(model)
        return batch_step(plan, Deduplicator(None, 0), topics, grades,
                          explanations=explanations(3, grades, frozenset({"A"}), threads=1),
                          clock=clock)

    arms = {"champion": step(shadow=False), "shadow": step()}
    if a.ref:
        ref = at_ref(a.ref)
        arms[f"shadow@{a.ref}"] = step(ref["batch"].BatchStep, ref["explain"].Explanations)
    batches = consumed_batches(a.batches)
    freeze_startup_heap()  # as ``leadstream score`` does before its first batch
    clock.start()
    for s in arms.values():
        s.run(batches[0], "warm-up")
    rows: dict[str, list] = {arm: [] for arm in arms}
    load = os.getloadavg()
    for r in range(a.rounds):
        for c in batches:
            outs = {}
            for arm in (list(arms) if r % 2 == 0 else list(arms)[::-1]):
                clock.begin()
                result = arms[arm].run(c, "t")
                clock.end(len(c.events))
                rows[arm].append(clock.batches[-1])
                outs[arm] = _comparable(result.records)
            shadows = [o for arm, o in outs.items() if arm != "champion"]
            assert all(o == shadows[0] for o in shadows), "shadow outputs differ"
    end = os.getloadavg()
    print(f"load average {load[0]:.1f} at the start, {end[0]:.1f} at the end; "
          f"{a.rounds} x {a.batches} batches of 1,000 per arm; ms per batch (mean / median)")
    table = {arm: np.array(rows[arm])[:, :len(STAGES) + 1] * 1000 for arm in arms}
    print(f"{'stage':12s} " + " ".join(f"{arm:>18s}" for arm in arms))
    for i, stage in enumerate((*STAGES, "gc")):
        cols = [t[:, i] for t in table.values()]
        if max(c.mean() for c in cols) >= 0.05:
            print(f"{stage:12s} " + " ".join(f"{c.mean():8.2f} / {np.median(c):7.2f}"
                                             for c in cols))
    totals = {arm: t[:, :len(STAGES)].sum(axis=1) for arm, t in table.items()}
    print(f"{'batch':12s} " + " ".join(f"{c.mean():8.2f} / {np.median(c):7.2f}"
                                       for c in totals.values()))
    for arm in arms:
        if arm != "champion":
            extra = totals[arm].mean() - totals["champion"].mean()
            print(f"{arm}: + {extra:.2f} ms per batch of 1,000 over the champion alone")


if __name__ == "__main__":
    main()
