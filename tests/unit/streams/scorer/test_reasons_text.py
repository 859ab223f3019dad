"""The batch renderer of reasons (whole-batch numpy gathers) writes, byte for byte, what
``json.dumps`` writes for each lead's reasons built one by one as dicts — on random batches
with empty slots, tied and rounded-to-zero weights, missing and non-finite values, texts
that need escaping, and single-row batches."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scoring.reasons import ChosenReasons
from streams.scorer.reasons_text import LeadValues, ReasonsText

NAMES = ["visits", "source", "size", "score", "region"]
LABELS = ["Visits", 'Source "CRM"', "Size\n(employees)", "Score é", "Region"]
VALUES = st.one_of(st.none(), st.integers(-10**20, 10**20), st.text(max_size=8),
                   st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(["Web", "CRM"]))


def _by_hand(leads: list, chosen: ChosenReasons) -> list[str]:
    """Each lead's reasons as dicts, one slot at a time, through json.dumps."""
    out = []
    for i, lead in enumerate(leads):
        width = chosen.features.shape[1]
        reasons = []
        for c in range(width):
            j = int(chosen.features[i, c])
            if j < 0:
                continue
            reasons.append({"feature": NAMES[j], "value": getattr(lead, NAMES[j], None),
                            "label": LABELS[j], "direction": "+" if c < width // 2 else "-",
                            "weight": float(np.round(chosen.weights[i, c], 4))})
        out.append(json.dumps(reasons, separators=(",", ":")))
    return out


@st.composite
def batches(draw: st.DrawFn) -> tuple[list, ChosenReasons]:
    n = draw(st.integers(1, 12))
    k = draw(st.integers(1, 3))
    features = draw(hnp.arrays(np.int64, (n, 2 * k), elements=st.integers(-1, len(NAMES) - 1)))
    pool = draw(st.lists(st.floats(-5, 5), min_size=1, max_size=4))  # few values: ties
    weights = draw(hnp.arrays(np.float64, (n, 2 * k), elements=st.sampled_from(
        [*pool, 0.0, -0.0, 4e-05, -4e-05, 0.12345, 0.00005])))
    leads = []
    for _ in range(n):
        present = draw(st.lists(st.sampled_from(NAMES), unique=True))
        leads.append(SimpleNamespace(**{name: draw(VALUES) for name in present}))
    return leads, ChosenReasons(features, np.where(features >= 0, weights, 0.0),
                                np.zeros(n, dtype=bool))


@settings(max_examples=300, deadline=None)
@given(batches())
def test_the_batch_render_is_json_dumps_of_each_leads_reasons(batch) -> None:
    leads, chosen = batch
    assert ReasonsText(NAMES, LABELS).render(leads, chosen) == _by_hand(leads, chosen)


def test_a_large_random_batch_renders_as_by_hand() -> None:
    rng = np.random.default_rng(16)
    n, k = 1000, 3
    features = rng.integers(-1, len(NAMES), (n, 2 * k))
    weights = np.round(rng.normal(0, 0.5, (n, 2 * k)), rng.integers(1, 7))
    weights[::7] = weights[::7, :1]  # a tie across every slot of some leads
    leads = [SimpleNamespace(visits=int(v), source=s, size=None if v % 5 == 0 else v / 3,
                             score=float("nan") if v % 11 == 0 else float(v))
             for v, s in zip(rng.integers(0, 100, n).tolist(),
                             rng.choice(["Web", "Referral", 'q"uote'], n).tolist(), strict=True)]
    chosen = ChosenReasons(features, weights, np.zeros(n, dtype=bool))
    assert ReasonsText(NAMES, LABELS).render(leads, chosen) == _by_hand(leads, chosen)


def test_leads_without_any_reason_and_batches_without_slots() -> None:
    text = ReasonsText(NAMES, LABELS)
    lead = SimpleNamespace(visits=3)
    none = ChosenReasons(np.full((1, 4), -1), np.zeros((1, 4)), np.zeros(1, dtype=bool))
    assert text.render([lead], none) == ["[]"]
    assert text.render([lead, lead], ChosenReasons(np.zeros((2, 0), int), np.zeros((2, 0)),
                                                   np.zeros(2, dtype=bool))) == ["[]", "[]"]


@settings(max_examples=200, deadline=None)
@given(batches(), batches(), st.randoms(use_true_random=False))
def test_two_models_sharing_the_batchs_values_render_each_own_rows_as_by_hand(
        first, second, rnd) -> None:
    """The champion's and a challenger's runs of one batch share its values as text
    (``LeadValues``): each run's leads (any rows of the batch, in any order) render as
    they would alone, whatever run read a value first."""
    leads = first[0] + second[0]
    shared = LeadValues(leads)
    text = ReasonsText(NAMES, LABELS)
    for _, chosen in (first, second):
        rows = np.array(rnd.sample(range(len(leads)), chosen.features.shape[0]), dtype=np.int64)
        mine = [leads[r] for r in rows.tolist()]
        assert text.render(leads, chosen, shared, rows) == _by_hand(mine, chosen)
