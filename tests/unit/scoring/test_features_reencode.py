"""A batch encoded for one spec, re-encoded for a spec that differs only in its learned
vocabularies (a challenger trained on other leads), is what encoding the raw values for
that spec gives, cell for cell; specs that differ otherwise are not re-encoded."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.spec import MISSING, CategoricalFeature, FeatureSpec, NumericFeature
from scoring.features import FeatureEncoder

LEVELS = ["web", "event", "referral", "Partner", "é", MISSING, "x" * 5]
BASE = FeatureSpec(features=[
    NumericFeature(name="size", missing="impute", impute=1),
    CategoricalFeature(name="src"),
    NumericFeature(name="score"),
    CategoricalFeature(name="region", lowercase=False),
])
RAW = st.none() | st.sampled_from([*LEVELS, "WEB", "Event", "unseen", "", " web"]) | st.text(
    max_size=6) | st.integers(-3, 3)
NUMBER = st.none() | st.integers(-10, 10**9) | st.floats(-1e30, 1e30) | st.just(float("nan"))
VOCABULARY = st.lists(st.sampled_from(LEVELS), min_size=1, unique=True).map(tuple)


def _spec(vocabularies: dict[str, tuple[str, ...]]) -> FeatureSpec:
    return BASE.with_vocabularies(vocabularies)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(NUMBER, RAW, NUMBER, RAW), min_size=1, max_size=40),
       VOCABULARY, VOCABULARY, VOCABULARY, VOCABULARY)
def test_reencoding_is_encoding_for_the_other_vocabulary(rows, src_a, region_a, src_b,
                                                          region_b) -> None:
    columns = {name: [row[i] for row in rows]
               for i, name in enumerate(("size", "src", "score", "region"))}
    a = FeatureEncoder(_spec({"src": src_a, "region": region_a}))
    b = FeatureEncoder(_spec({"src": src_b, "region": region_b}))
    again = b.reencode(a.encode_columns(columns), a.spec)
    direct = b.encode_columns(columns)
    assert again is not None
    assert again.matrix.dtype == direct.matrix.dtype
    assert np.array_equal(again.matrix, direct.matrix, equal_nan=True)
    assert again.numeric.keys() == direct.numeric.keys()
    assert all(np.array_equal(again.numeric[k], direct.numeric[k], equal_nan=True)
               for k in direct.numeric)
    assert {k: v.tolist() for k, v in again.categories.items()} == {
        k: v.tolist() for k, v in direct.categories.items()}


def test_specs_that_differ_beyond_vocabularies_are_not_reencoded() -> None:
    vocab = {"src": ("web",), "region": ("emea",)}
    a = FeatureEncoder(_spec(vocab))
    batch = a.encode_columns({"size": [1], "src": ["web"], "score": [2.0], "region": ["emea"]})
    others = [
        FeatureSpec(features=[NumericFeature(name="size", missing="impute", impute=2),
                              *BASE.features[1:]]),
        FeatureSpec(features=[*BASE.features[:3], CategoricalFeature(name="region")]),
        FeatureSpec(features=[BASE.features[2], BASE.features[1], BASE.features[0],
                              BASE.features[3]]),
    ]
    for other in others:
        assert FeatureEncoder(other.with_vocabularies(vocab)).reencode(batch, a.spec) is None
