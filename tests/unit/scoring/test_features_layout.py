"""The encoded matrix cell by cell: column layout of several categoricals, vocabulary edges."""

from __future__ import annotations

import numpy as np
import pytest

from schemas.errors import SpecError
from schemas.spec import MISSING, CategoricalFeature, FeatureSpec, NumericFeature
from scoring.features import FeatureEncoder, learn_vocabularies

SPEC = FeatureSpec(features=[
    NumericFeature(name="size"),
    CategoricalFeature(name="a"),
    CategoricalFeature(name="b"),
    CategoricalFeature(name="c", missing="reject"),
])
VOCAB = {"a": ("x", "y"), "b": ("p", "q", "r"), "c": ("k",)}


def test_each_categorical_has_its_own_block_of_columns():
    enc = FeatureEncoder(SPEC.with_vocabularies(VOCAB))
    assert enc.feature_names == ("size", "a__0", "a__1", "b__0", "b__1", "b__2", "c__0")
    batch = enc.encode_columns({"size": [3, None], "a": ["y", "z"], "b": ["r", "p"],
                                "c": ["k", "k"]})
    expected = np.array([[3, 0, 1, 0, 0, 1, 1],
                         [np.nan, 0, 0, 1, 0, 0, 1]], dtype=np.float32)
    np.testing.assert_array_equal(batch.matrix, expected)
    assert batch.matrix.dtype == np.float32 and batch.numeric["size"].dtype == np.float64
    assert batch.categories["a"].tolist() == ["y", "z"]


def test_numbers_as_categories_and_the_batch_length_from_the_columns():
    enc = FeatureEncoder(SPEC.with_vocabularies({"a": ("1",), "b": ("2.5",), "c": ("k",)}))
    batch = enc.encode_columns({"size": [1, 2, 3], "a": [1, None, float("nan")],
                                "b": [2.5, "2.5", 3], "c": ["k"] * 3})
    assert len(batch) == 3
    assert batch.categories["a"].tolist() == ["1", MISSING, MISSING]
    np.testing.assert_array_equal(batch.matrix[:, 1], [1, 0, 0])
    np.testing.assert_array_equal(batch.matrix[:, 2], [1, 1, 0])


def test_min_frequency_is_inclusive_and_missing_only_kept_as_a_category():
    spec = FeatureSpec(features=[CategoricalFeature(name="a", min_frequency=0.25),
                                 CategoricalFeature(name="c", missing="reject",
                                                    min_frequency=0.25)])
    values = ["x"] * 2 + ["y"] * 5 + [None]  # x: exactly 2 of 8 = 25 %
    vocab = learn_vocabularies(spec, {"a": values, "c": values})
    assert vocab["a"] == ("y", "x")  # missing at 1/8 < 25 % is dropped
    many_missing = ["x"] * 3 + [None] * 5
    vocab = learn_vocabularies(spec, {"a": many_missing, "c": many_missing})
    assert vocab["a"] == (MISSING, "x") and vocab["c"] == ("x",)


def test_a_single_training_value_is_enough_and_none_is_an_error():
    spec = FeatureSpec(features=[CategoricalFeature(name="a")])
    assert learn_vocabularies(spec, {"a": ["solo"]}) == {"a": ("solo",)}
    with pytest.raises(SpecError, match="no training values for categorical feature 'a'"):
        learn_vocabularies(spec, {"a": []})


def test_numeric_values_are_float64_even_when_every_value_is_an_int():
    enc = FeatureEncoder(SPEC.with_vocabularies(VOCAB))
    batch = enc.encode_columns({"size": [1, 2], "a": ["x", "x"], "b": ["p", "p"],
                                "c": ["k", "k"]})
    assert batch.numeric["size"].dtype == np.float64
    assert batch.numeric["size"].tolist() == [1.0, 2.0]
