"""The scorer's batch stages in-process, without a broker: where a batch's CPU goes::

    python -m bench.stage_micro [--batches 20] [--rounds 3] [--ref REV]

Trains the champion as ``bench.throughput`` does (20,000 synthetic leads, default
``TrainConfig``), decodes ``--batches`` batches of 1,000 synthetic events (the bench's own
``lead_records``) and runs each through :class:`~streams.scorer.batch.BatchStep` with a
:class:`~streams.scorer.timings.StageClock` (reasons on: 3 up + 3 down, exact for grade A,
one thread; no Redis: de-duplication and the history off). Prints mean and median ms per
batch of every stage that took time, with the load average.

With ``--ref REV`` (a git revision), the reasons renderer and the ``leads.scored``
serializer (``streams/scorer/reasons_text.py``, ``streams/scorer/scored_json.py`` and the
``streams/json_text.py`` they use) are also loaded as they are at ``REV``, and every batch
runs once with each, in alternating order: an A/B in one process on a machine whose load
moves, and the two outputs are checked byte for byte (``scored_at`` and ``latency_ms``
aside: each run has its own clock).
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from confluent_kafka import Message

from bench.bench_io import lead_records
from scoring.grades import GradeScale
from scoring.model import ServingModel
from scoring.serving import ServingPlan
from streams.kafka.io import translate
from streams.scorer import records
from streams.scorer.batch import BatchStep, OutputTopics
from streams.scorer.explain import Explanations
from streams.scorer.timings import STAGES, StageClock
from streams.stores.dedup import Deduplicator

SERIALIZERS = ("streams/json_text.py", "streams/scorer/reasons_text.py",
               "streams/scorer/scored_json.py")


def champion(seed: int = 3, rows: int = 20_000) -> ServingModel:
    from schemas.spec import load_spec
    from scoring.synthetic import SyntheticCRM
    from scoring.training import TrainConfig, train_model

    trained = train_model(SyntheticCRM(seed).leads(rows), load_spec(), TrainConfig(seed=seed))
    return ServingModel("bench", "1", "champion", trained.booster, trained.spec)


def consumed_batches(n: int, size: int = 1_000, seed: int = 3) -> list:
    recs, now_ms = lead_records(n * size, seed), int(time.time() * 1000)
    return [translate([Message(topic="in", partition=0, offset=b * size + i, key=k, value=v,
                               timestamp=(1, now_ms))
                       for i, (k, v) in enumerate(recs[b * size:(b + 1) * size])])
            for b in range(n)]


def reference(rev: str) -> tuple:
    """The ``ReasonsText`` class and ``scored_records`` function as they are at ``rev``."""
    root = Path(subprocess.check_output(["git", "rev-parse", "--show-toplevel"], text=True)
                .strip())
    tmp = Path(tempfile.mkdtemp(prefix="stage-micro-"))
    mods = {}
    for path in SERIALIZERS:
        name = "ref_" + Path(path).stem
        src = subprocess.check_output(["git", "show", f"{rev}:{path}"], text=True, cwd=root)
        (tmp / f"{name}.py").write_text(src.replace("streams.json_text", "ref_json_text"))
        spec = importlib.util.spec_from_file_location(name, tmp / f"{name}.py")
        assert spec is not None and spec.loader is not None
        mods[name] = sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mods[name])
    return mods["ref_reasons_text"].ReasonsText, mods["ref_scored_json"].scored_records


class _Subset:
    """A ``ReasonsText`` from before ``render`` took the batch's shared values, called as
    :class:`~streams.scorer.explain.Explanations` calls one now."""

    def __init__(self, text):
        self._text = text

    def render(self, leads, chosen, shared=None, rows=None) -> list[str]:
        return self._text.render(leads if rows is None else [leads[r] for r in rows.tolist()],
                                 chosen)


def _current(text):
    return text if "shared" in inspect.signature(text.render).parameters else _Subset(text)


def _comparable(value: bytes) -> dict:
    doc = json.loads(value)
    return {k: v for k, v in doc.items() if k not in ("scored_at", "latency_ms")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ref", default=None, help="git revision to compare with (A/B)")
    a = ap.parse_args()
    model, grades, clock = champion(), GradeScale(), StageClock()
    step = BatchStep(ServingPlan(model), Deduplicator(None, 0),
                     OutputTopics("scored", "dead", None, "samples"), grades,
                     explanations=Explanations(3, grades, frozenset({"A"}), threads=1),
                     clock=clock)
    batches = consumed_batches(a.batches)
    key, (explainer, text) = next(iter(step._explain._models.items()))
    arms = {"now": (text, records.scored_records)}
    if a.ref:
        ref_text, ref_scored = reference(a.ref)
        arms[a.ref] = (_current(ref_text(text._names, explainer.labels)), ref_scored)
    step.run(batches[0], "warm-up")
    rows: dict[str, list] = {arm: [] for arm in arms}
    load = os.getloadavg()
    for r in range(a.rounds):
        for c in batches:
            outs = {}
            for arm in (list(arms) if r % 2 == 0 else list(arms)[::-1]):
                step._explain._models[key] = (explainer, arms[arm][0])
                records.scored_records = arms[arm][1]
                clock.begin()
                result = step.run(c, "t")
                clock.end(len(c.events))
                rows[arm].append(clock.batches[-1])
                outs[arm] = [_comparable(x.value) for x in result.records if x.topic == "scored"]
            assert all(o == outs["now"] for o in outs.values()), "outputs differ"
    end = os.getloadavg()
    print(f"load average {load[0]:.1f} at the start, {end[0]:.1f} at the end; "
          f"{a.rounds} x {a.batches} batches of 1,000 per arm; ms per batch (mean / median)")
    print(f"{'stage':12s} " + " ".join(f"{arm:>18s}" for arm in arms))
    for i, stage in enumerate(STAGES):
        cols = [np.array(rows[arm])[:, i] * 1000 for arm in arms]
        if max(c.mean() for c in cols) >= 0.05:
            print(f"{stage:12s} " + " ".join(f"{c.mean():8.2f} / {np.median(c):7.2f}"
                                             for c in cols))


if __name__ == "__main__":
    main()
