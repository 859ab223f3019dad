"""Shared fixtures: a trained spec, a reference profile and batches drawn from known laws."""

from __future__ import annotations

import numpy as np
import pytest

from monitors.binning import Binner, build_reference_profile
from monitors.sketches import SampleKey, WindowSample
from schemas.monitor import ModelRole
from schemas.spec import load_spec

SOURCES = ("web", "referral", "event", "partner")
SOURCE_P = (0.5, 0.3, 0.15, 0.05)


def draw(rng: np.random.Generator, n: int, shift: float = 0.0) -> dict[str, np.ndarray]:
    """Leads with every default-spec feature; ``shift`` moves engagement by that many sd."""
    eng = np.clip(rng.normal(40 + 15 * shift, 15, n), 0, 100)
    eng[rng.random(n) < 0.02] = np.nan
    src = rng.choice(SOURCES, size=n, p=SOURCE_P).astype(object)
    src[rng.random(n) < 0.02] = None
    return {
        "lead_source": src,
        "industry": rng.choice(["software", "retail"], size=n).astype(object),
        "region": rng.choice(["emea", "apac"], size=n).astype(object),
        "company_size": np.maximum(1, np.round(rng.lognormal(3.5, 1.2, n))),
        "engagement_score": eng,
        "website_visits": rng.poisson(3, n).astype(float),
        "email_opens": rng.poisson(2, n).astype(float),
        "days_since_first_contact": rng.exponential(30, n),
    }


def scores_of(columns: dict[str, np.ndarray]) -> np.ndarray:
    eng = np.nan_to_num(columns["engagement_score"], nan=40.0)
    return 1 / (1 + np.exp(-(eng - 55) / 10))


@pytest.fixture(scope="session")
def spec():
    return load_spec().with_vocabularies({
        "lead_source": SOURCES, "industry": ("software", "retail"), "region": ("emea", "apac"),
    })


@pytest.fixture(scope="session")
def profile(spec):
    cols = draw(np.random.default_rng(123), 50_000)
    return build_reference_profile(cols, scores_of(cols), spec)


@pytest.fixture(scope="session")
def binner(profile, spec):
    return Binner(profile, spec)


@pytest.fixture()
def key():
    return SampleKey("lead-scoring", ModelRole.CHAMPION, "3")


def window(binner, profile, key, rng, n, shift=0.0, **kw) -> WindowSample:
    cols = draw(rng, n, shift)
    lat = rng.lognormal(1.5, 0.6, n)
    times = 1_700_000_000_000 + rng.integers(0, 60_000, n)
    return WindowSample.empty(key, profile).update(
        binner, cols, scores_of(cols), lat, times, **kw
    )
