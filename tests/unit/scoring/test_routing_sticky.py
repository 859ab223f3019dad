"""Stickiness for real: the same lead routed twice, across share changes, across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import numpy as np

import scoring
from schemas.control import ServingConfig, ServingMode
from schemas.scored import Variant
from scoring.routing import route_batch

from .test_routing_salt import unit_by_hand

IDS = [f"crm-{i:05d}" for i in range(2000)]


def config(share: float, salt: str = "sticky-salt") -> ServingConfig:
    return ServingConfig(
        model_name="lead-scoring", champion_version="3", challenger_version="4",
        mode=ServingMode.AB, treatment_share=share, experiment_id="exp-sticky", salt=salt,
        sequence=1, actor="test", updated_at=datetime(2025, 3, 1, tzinfo=UTC),
    )


def arms(share: float, ids: list[str]) -> dict[str, Variant]:
    route = route_batch(config(share), ids)
    return dict(zip(ids, route.variants, strict=True))


def test_the_same_lead_sent_twice_gets_the_same_arm():
    first = arms(0.4, IDS)
    # the same leads again, later, in other batches, in another order, with repeats inside
    rng = np.random.default_rng(3)
    resent = [IDS[i] for i in rng.integers(0, len(IDS), 3000)]
    for start in range(0, len(resent), 250):
        batch = resent[start:start + 250]
        route = route_batch(config(0.4), batch)
        for lead, variant in zip(batch, route.variants, strict=True):
            assert variant is first[lead], lead
    # and the arm is the documented one
    assert all(first[i] is (Variant.TREATMENT if unit_by_hand("sticky-salt", i) < 0.4
                            else Variant.CONTROL) for i in IDS)


def test_raising_the_share_only_moves_control_leads_to_treatment():
    shares = [0.05, 0.2, 0.5, 0.8, 1.0]
    by_share = [arms(s, IDS) for s in shares]
    for (low, a), (high, b) in pairwise(zip(shares, by_share, strict=True)):
        moved = {i for i in IDS if a[i] is not b[i]}
        assert all(a[i] is Variant.CONTROL and b[i] is Variant.TREATMENT for i in moved)
        # exactly the leads whose position lies in [low, high) move
        assert moved == {i for i in IDS if low <= unit_by_hand("sticky-salt", i) < high}
        assert moved  # something does move at every step
    assert all(v is Variant.TREATMENT for v in by_share[-1].values())


def test_lowering_the_share_only_moves_treatment_leads_back():
    high, low = arms(0.6, IDS), arms(0.1, IDS)
    assert all(high[i] is Variant.TREATMENT for i in IDS if low[i] is Variant.TREATMENT)


_CHILD = """
import json, sys
from datetime import UTC, datetime
from schemas.control import ServingConfig
from scoring.routing import route_batch
share, ids = json.loads(sys.stdin.read())
cfg = ServingConfig(model_name="lead-scoring", champion_version="3", challenger_version="4",
                    mode="ab", treatment_share=share, experiment_id="exp-sticky",
                    salt="sticky-salt", sequence=1, actor="test",
                    updated_at=datetime(2025, 3, 1, tzinfo=UTC))
print(json.dumps([v.value for v in route_batch(cfg, ids).variants]))
"""


def route_in_child(share: float, ids: list[str], hash_seed: str) -> list[str]:
    """Route in a fresh interpreter that imports this very ``scoring`` (mutated or not)."""
    root = str(Path(scoring.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONHASHSEED": hash_seed,
           "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", _CHILD], input=json.dumps([share, ids]),
                          capture_output=True, text=True, env=env, cwd=root, check=True,
                          timeout=60)
    return json.loads(done.stdout)


def test_another_process_routes_every_lead_the_same_way():
    ids = IDS[:500]
    here = [v.value for v in route_batch(config(0.5), ids).variants]
    assert route_in_child(0.5, ids, hash_seed="1") == here
    assert route_in_child(0.5, ids, hash_seed="2") == here
