"""The soak knob ``produce --outcomes --treatment-effect E``: a lead the treatment arm served
converts with p·(1+E), from the same draw as at no effect; outcomes wait for the variant.

Expected outcomes are recomputed here from the documented pieces (the synthetic CRM's
true probabilities and the outcome stream's seed), not through the module under test."""

import json
import random

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.synthetic import SyntheticCRM
from streams.cli.produce import produce
from streams.crm.outcomes import OUTCOME_STREAM, synthetic_leads
from streams.crm.treatment import TreatmentEffect, synthetic_latent
from streams.kafka.reader import Record


def _expected(n: int, seed: int, quiet_share: float, effect: float, treated: set[str]
              ) -> dict[str, bool]:
    frame, p = SyntheticCRM(seed).leads_with_truth(n, None)
    rng = np.random.default_rng((seed, OUTCOME_STREAM))
    quiet, u = rng.random(n) < quiet_share, rng.random(n)
    out = {}
    for i, lead_id in enumerate(frame["lead_id"]):
        if not quiet[i]:
            q = min(p[i] * (1 + effect), 1.0) if lead_id in treated else p[i]
            out[lead_id] = bool(u[i] < q)
    return out


def _scored(lead_id: str, variant: str) -> Record:
    value = json.dumps({"lead_id": lead_id, "variant": variant, "score": 0.5}).encode()
    return Record(0, 0, lead_id.encode(), value)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(effect=st.floats(-0.95, 3.0), seed=st.integers(0, 10_000),
       quiet=st.sampled_from([0.0, 0.1, 0.5]), order_seed=st.integers(0, 2**32 - 1))
def test_treated_leads_convert_with_the_scaled_probability(effect, seed, quiet, order_seed):
    n = 300
    pending: list[Record] = []
    feed = TreatmentEffect(effect, lambda: [pending.pop() for _ in range(len(pending))])
    tagged = list(feed.tag(synthetic_latent(n, seed, {}, quiet)))
    ids = [e["lead_id"] for e, _ in tagged]
    shuffle = random.Random(order_seed)
    treated = {i for i in ids if shuffle.random() < 0.3}
    want = _expected(n, seed, quiet, effect, treated)
    # at no effect the tag's outcome is the ordinary draw (produce --outcomes)
    assert [o for _, o in tagged] == [o for _, o in synthetic_leads(n, seed, {}, quiet)]
    due = [(e["lead_id"], o) for e, o in tagged if o is not None]
    scores = [_scored(i, "treatment" if i in treated else "control") for i in ids]
    shuffle.shuffle(scores)  # scores arrive in any order, some after their outcome is due
    got: dict[str, bool] = {}
    for k in range(0, len(due), 37):
        pending.extend(scores[k:k + 40])
        got.update(feed.resolve(due[k:k + 37]))
    pending.extend(scores)  # every score seen at last (duplicates are harmless)
    got.update(feed.resolve([]))
    assert got == want and feed.held == 0
    assert feed.treated == sum(1 for i in want if i in treated)


def test_outcomes_wait_for_their_published_score_and_keep_order():
    feed = TreatmentEffect(-0.5, lambda: [])
    tagged = list(feed.tag(synthetic_latent(50, 2, {}, 0.0)))
    due = [(e["lead_id"], o) for e, o in tagged]
    assert feed.resolve(due[:10]) == [] and feed.held == 10
    feed.seen([_scored(i, "champion") for i, _ in due[3:20]])
    released = feed.resolve(due[10:20])
    assert released == due[3:20]  # not treated: the outcome at no effect, in order
    assert feed.held == 3


def test_the_rate_of_a_treated_arm_moves_by_the_effect():
    n, effect = 40_000, -0.2
    feed = TreatmentEffect(effect, lambda: [])
    tagged = list(feed.tag(synthetic_latent(n, 5, {}, 0.0)))
    ids = [e["lead_id"] for e, _ in tagged]
    feed.seen([_scored(i, "treatment" if k % 2 else "control") for k, i in enumerate(ids)])
    got = dict(feed.resolve([(e["lead_id"], o) for e, o in tagged]))
    _, p = SyntheticCRM(5).leads_with_truth(n, None)
    treated_rate = np.mean([got[i] for i in ids[1::2]])
    control_rate = np.mean([got[i] for i in ids[0::2]])
    assert treated_rate / np.mean(p[1::2]) == pytest.approx(1 + effect, abs=0.06)
    assert control_rate / np.mean(p[0::2]) == pytest.approx(1.0, abs=0.06)


@pytest.mark.parametrize("args", [["--treatment-effect", "-0.2"],
                                  ["--outcomes", "--treatment-effect", "-1"]])
def test_a_treatment_effect_needs_outcomes_and_more_than_minus_one(args):
    result = CliRunner().invoke(produce, args)
    assert result.exit_code == 2
