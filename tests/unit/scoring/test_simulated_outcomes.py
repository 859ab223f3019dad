"""Outcomes of simulated leads: drawn from the synthetic CRM's true conversion probability
(checked against binomial bounds computed with scipy), a quiet share without any outcome,
and released only ``delay`` after the lead's acknowledgement."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binom

from scoring.simulated_outcomes import OutcomeSchedule, draw_outcomes
from scoring.synthetic import MISSING_RATE, NOISE_SD, SyntheticCRM, true_probability

N = 40_000
LEVEL = 1 - 1e-6  # a bound a correct draw leaves once in a million runs


def _inside(k: int, n: int, p: float) -> bool:
    low, high = binom.interval(LEVEL, n, p)
    return low <= k <= high


@pytest.fixture(scope="module")
def truth() -> tuple:
    return SyntheticCRM(5).leads_with_truth(N)


def test_leads_with_truth_is_the_same_stream_as_leads(truth):
    frame, p = truth
    assert frame.equals(SyntheticCRM(5).leads(N))
    assert p.shape == (N,) and np.all((p > 0) & (p < 1))


def test_the_documented_probability_is_what_converted_was_drawn_from(truth):
    frame, p = truth
    assert _inside(int(frame.converted.sum()), N, float(p.mean()))
    # p is the noise-free ground truth plus the lead's N(0, NOISE_SD) noise on the logit
    complete = frame.notna().all(axis=1).to_numpy()
    assert complete.mean() > 1 - 10 * MISSING_RATE
    logit = np.log(p / (1 - p))
    base = true_probability(frame)
    noise = logit[complete] - np.log(base / (1 - base))[complete]
    assert abs(noise.mean()) < 4 * NOISE_SD / np.sqrt(complete.sum())
    assert noise.std() == pytest.approx(NOISE_SD, rel=0.03)


@pytest.mark.parametrize("quiet_share", [0.0, 0.1, 0.5])
def test_converted_share_matches_the_true_mean_probability(truth, quiet_share):
    _, p = truth
    drawn = draw_outcomes(p, np.random.default_rng(9), quiet_share)
    told = np.array([d is not None for d in drawn])
    converted = np.array([d is True for d in drawn])
    assert _inside(int((~told).sum()), N, quiet_share)
    # quiet is independent of p: the leads with an outcome convert at their own mean p
    assert _inside(int(converted.sum()), int(told.sum()), float(p[told].mean()))
    for part in (p < np.median(p), p >= np.median(p)):  # each lead's own p, not the mean's
        group = told & part
        assert _inside(int(converted[group].sum()), int(group.sum()), float(p[group].mean()))
    assert 0.10 < converted.sum() / told.sum() < 0.20  # the documented ~15 %


def test_a_skewed_probability_moves_the_share():
    p = np.full(20_000, 0.03)
    drawn = draw_outcomes(p, np.random.default_rng(1), 0.0)
    assert _inside(sum(d is True for d in drawn), 20_000, 0.03)
    assert not _inside(sum(d is True for d in drawn), 20_000, 0.05)


@given(st.lists(st.sampled_from([0.0, 1.0]), max_size=200), st.integers(0, 2**32 - 1))
def test_certain_probabilities_are_replayed_exactly(labels, seed):
    drawn = draw_outcomes(np.array(labels), np.random.default_rng(seed), 0.0)
    assert drawn == [bool(x) for x in labels]
    assert draw_outcomes(np.array(labels), np.random.default_rng(seed), 1.0) == [None] * len(labels)


@pytest.mark.parametrize(("p", "share"), [([0.5, 1.2], 0.1), ([np.nan], 0.1), ([-0.1], 0.0),
                                          ([0.5], -0.01), ([0.5], 1.5)])
def test_bad_probabilities_or_shares_are_refused(p, share):
    with pytest.raises(ValueError):
        draw_outcomes(np.array(p), np.random.default_rng(0), share)


def test_nothing_is_due_before_its_lead_is_acknowledged_plus_the_delay():
    s = OutcomeSchedule(2.0)
    s.expect("a", True)
    s.expect("b", None)  # quiet: never scheduled
    s.expect("c", False)
    assert s.take_due(1e9) == [] and s.unacknowledged == 2
    s.delivered("a", 10.0)
    s.delivered("b", 10.5)
    s.delivered("c", 11.0)
    s.delivered("not-a-lead", 11.0)  # a malformed event's key
    assert s.scheduled == 2 and s.next_due() == 12.0
    assert s.take_due(11.999) == []
    assert s.take_due(12.0) == [("a", True)]
    assert s.take_due(100.0) == [("c", False)]
    assert s.next_due() is None and s.scheduled == 0 and s.unacknowledged == 0


@given(st.lists(st.tuples(st.booleans() | st.none(), st.floats(0, 5)), max_size=60),
       st.floats(0, 3), st.lists(st.floats(0, 20), min_size=1, max_size=10))
def test_every_outcome_is_taken_once_and_never_early(leads, delay, looks):
    s = OutcomeSchedule(delay)
    acked_at: dict[str, float] = {}
    now = 0.0
    for i, (outcome, gap) in enumerate(leads):
        s.expect(f"l{i}", outcome)
        now += gap
        s.delivered(f"l{i}", now)
        acked_at[f"l{i}"] = now
    taken: list[str] = []
    for look in [*sorted(looks), now + delay]:
        for lead_id, converted in s.take_due(look):
            assert look >= acked_at[lead_id] + delay
            assert converted == leads[int(lead_id[1:])][0]
            taken.append(lead_id)
    assert taken == [f"l{i}" for i, (o, _) in enumerate(leads) if o is not None]


def test_a_negative_delay_is_refused():
    with pytest.raises(ValueError):
        OutcomeSchedule(-1.0)
