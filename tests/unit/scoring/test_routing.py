"""Sticky, monotone, uniform hash routing of leads to arms."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from itertools import pairwise

import numpy as np
import pytest
from scipy import stats

from schemas.control import ServingConfig, ServingMode
from schemas.scored import Variant
from scoring.routing import (
    assign,
    assignment_unit,
    assignment_units,
    canary_shares,
    next_share,
    parse_steps,
    route_batch,
    treatment_mask,
)

IDS = [f"lead-{i}" for i in range(20_000)]


def _config(mode: ServingMode, share: float = 0.0) -> ServingConfig:
    split = mode in (ServingMode.CANARY, ServingMode.AB)
    return ServingConfig(
        model_name="lead-scoring", champion_version="3",
        challenger_version=None if mode is ServingMode.OFF else "4", mode=mode,
        treatment_share=share, experiment_id="exp-1" if split else None,
        salt="s1" if split else None, sequence=1, actor="test",
        updated_at=datetime.now(UTC),
    )


def test_units_are_deterministic_and_in_unit_interval():
    u = assignment_units("salt", IDS)
    assert np.array_equal(u, assignment_units("salt", IDS))
    assert u.min() >= 0.0 and u.max() < 1.0
    assert assignment_unit("salt", IDS[7]) == u[7]


def test_units_are_uniform_and_salt_redraws():
    u = assignment_units("salt", IDS)
    assert stats.kstest(u, "uniform").pvalue > 0.001
    other = assignment_units("other-salt", IDS)
    assert abs(np.corrcoef(u, other)[0, 1]) < 0.03


def test_sticky_across_events_and_batches():
    first = treatment_mask("s", 0.3, IDS[:1000])
    again = treatment_mask("s", 0.3, list(reversed(IDS[:1000])))[::-1]
    assert np.array_equal(first, again)
    assert assign("s", 0.3, IDS[3]) == (Variant.TREATMENT if first[3] else Variant.CONTROL)


def test_raising_share_moves_only_control_leads():
    shares = [0.05, 0.25, 0.5, 1.0]
    masks = [treatment_mask("s", s, IDS) for s in shares]
    for low, high in pairwise(masks):
        assert np.all(high[low])  # nobody leaves treatment
    for share, mask in zip(shares, masks, strict=True):
        assert abs(mask.mean() - share) < 0.012


def test_share_outside_unit_interval_rejected():
    with pytest.raises(ValueError):
        treatment_mask("s", 1.5, IDS[:3])


def test_route_batch_by_mode():
    ids = IDS[:1000]
    off = route_batch(_config(ServingMode.OFF), ids)
    assert set(off.variants) == {Variant.CHAMPION} and not off.shadow
    assert off.experiment_id is None and off.served_version(0) == "3"
    shadow = route_batch(_config(ServingMode.SHADOW), ids)
    assert shadow.shadow and not shadow.treatment.any()
    ab = route_batch(_config(ServingMode.AB, 0.5), ids)
    assert set(ab.variants) == {Variant.CONTROL, Variant.TREATMENT}
    assert ab.experiment_id == "exp-1"
    t = int(ab.treatment_rows[0])
    c = int(ab.control_rows[0])
    assert ab.served_version(t) == "4" and ab.variants[t] is Variant.TREATMENT
    assert ab.served_version(c) == "3" and ab.variants[c] is Variant.CONTROL
    assert len(ab.treatment_rows) + len(ab.control_rows) == 1000


def test_canary_steps():
    assert canary_shares([5, 25, 50]) == (0.05, 0.25, 0.5)
    assert parse_steps("5, 25,50") == (0.05, 0.25, 0.5)
    assert next_share(0.0, (0.05, 0.25)) == 0.05
    assert next_share(0.05, (0.05, 0.25)) == 0.25
    assert next_share(0.25, (0.05, 0.25)) is None
    for bad in ([25, 5], [0, 5], [5, 150], []):
        with pytest.raises(ValueError):
            canary_shares(bad)


def test_batch_of_1000_routes_in_a_few_microseconds_per_lead():
    ids = IDS[:1000]
    config = _config(ServingMode.AB, 0.5)
    start = time.perf_counter()
    for _ in range(20):
        route_batch(config, ids)
    per_lead_us = (time.perf_counter() - start) / 20 / 1000 * 1e6
    assert per_lead_us < 20, per_lead_us
