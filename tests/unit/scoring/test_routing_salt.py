"""Routing follows the documented hash of (salt, lead id), computed here by hand.

The expected arm of every lead comes from ``hashlib`` directly, as the module docstring of
``scoring.routing`` defines it: BLAKE2b (8 bytes) of ``salt + 0x1f + lead_id``, read
big-endian, top 53 bits, times 2**-53; treatment iff that is below the share. No expected
value here is computed with ``route_batch`` or ``treatment_mask``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import numpy as np

from schemas.control import ServingConfig, ServingMode
from schemas.scored import Variant
from scoring.routing import assign, assignment_unit, assignment_units, route_batch

IDS = [f"lead-{i}" for i in range(3000)]


def unit_by_hand(salt: str, lead_id: str) -> float:
    digest = hashlib.blake2b(salt.encode() + b"\x1f" + lead_id.encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> 11) / 2**53


def config(salt: str, share: float, mode: ServingMode = ServingMode.AB) -> ServingConfig:
    return ServingConfig(
        model_name="lead-scoring", champion_version="3", challenger_version="4", mode=mode,
        treatment_share=share, experiment_id=f"exp-{salt}", salt=salt, sequence=1,
        actor="test", updated_at=datetime(2025, 3, 1, tzinfo=UTC),
    )


def test_units_equal_the_documented_hash():
    expected = [unit_by_hand("s1", i) for i in IDS[:200]]
    np.testing.assert_array_equal(assignment_units("s1", IDS[:200]), expected)
    assert assignment_unit("other", "lead-7") == unit_by_hand("other", "lead-7")
    # the separator matters: ("ab", "c") and ("a", "bc") are different positions
    assert assignment_unit("ab", "c") != assignment_unit("a", "bc")


def test_route_batch_splits_by_the_experiment_salt():
    for salt in ("s1", "s2", "exp-2025-03"):
        route = route_batch(config(salt, 0.3), IDS)
        expected = np.array([unit_by_hand(salt, i) < 0.3 for i in IDS])
        np.testing.assert_array_equal(route.treatment, expected)
        assert route.variants == tuple(
            Variant.TREATMENT if t else Variant.CONTROL for t in expected
        )


def test_different_salts_split_the_same_leads_differently():
    a = route_batch(config("s1", 0.5), IDS).treatment
    b = route_batch(config("s2", 0.5), IDS).treatment
    agreement = float(np.mean(a == b))
    assert 0.45 < agreement < 0.55  # independent draws agree half the time, not always


def test_canary_splits_by_salt_too():
    route = route_batch(config("canary-salt", 0.05, ServingMode.CANARY), IDS)
    expected = np.array([unit_by_hand("canary-salt", i) < 0.05 for i in IDS])
    np.testing.assert_array_equal(route.treatment, expected)
    assert route.experiment_id == "exp-canary-salt"


def test_assign_follows_the_hash_at_the_share_boundary():
    lead = "lead-42"
    u = unit_by_hand("s1", lead)
    assert assign("s1", u, lead) is Variant.CONTROL  # u < share is strict
    assert assign("s1", min(1.0, u + 1e-12), lead) is Variant.TREATMENT
    assert assign("s1", 1.0, lead) is Variant.TREATMENT
    assert assign("s1", 0.0, lead) is Variant.CONTROL
