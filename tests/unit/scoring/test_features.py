import numpy as np
import pytest

from schemas.errors import SpecError
from schemas.leads import incoming_model
from schemas.spec import MISSING, UNSEEN, CategoricalFeature, FeatureSpec, NumericFeature, load_spec
from scoring.features import FeatureEncoder, learn_vocabularies

SPEC = FeatureSpec(
    features=[
        NumericFeature(name="size", missing="impute", impute=1),
        NumericFeature(name="score"),
        CategoricalFeature(name="src", min_frequency=0.2),
    ]
)


def trained(columns):
    return SPEC.with_vocabularies(learn_vocabularies(SPEC, columns))


def test_vocabulary_keeps_frequent_categories_most_frequent_first():
    src = ["web"] * 5 + ["Event"] * 3 + ["rare"] + [None]
    vocab = learn_vocabularies(SPEC, {"src": src})["src"]
    assert vocab == ("web", "event")


def test_missing_is_a_category_when_frequent():
    vocab = learn_vocabularies(SPEC, {"src": ["a"] * 5 + [None] * 5})["src"]
    assert set(vocab) == {"a", MISSING}


def test_encoding_one_hot_numeric_pass_through_and_imputation():
    spec = trained({"src": ["web", "web", "event", "event"]})
    enc = FeatureEncoder(spec)
    batch = enc.encode_columns(
        {"size": [3, None, 7], "score": [None, 1.5, 2.0], "src": ["WEB", "unknown", None]}
    )
    assert enc.feature_names == ("size", "score", "src__0", "src__1")
    m = batch.matrix
    assert m.dtype == np.float32 and m.shape == (3, 4)
    np.testing.assert_array_equal(m[:, 0], [3, 1, 7])  # imputed
    assert np.isnan(m[0, 1]) and m[1, 1] == 1.5
    np.testing.assert_array_equal(m[:, 2:], [[1, 0], [0, 0], [0, 0]])
    assert np.isnan(batch.numeric["size"][1])  # monitors see the value before imputation
    assert list(batch.categories["src"]) == ["web", "unknown", MISSING]


def test_encoding_leads_equals_encoding_their_columns():
    spec = load_spec()
    cols = {"lead_source": ["Web", "Event"], "industry": ["saas", None], "region": ["emea"] * 2,
            "company_size": [10, 20], "engagement_score": [1.0, 99.0], "website_visits": [1, None],
            "email_opens": [0, 3], "days_since_first_contact": [None, 4.0]}
    spec = spec.with_vocabularies(learn_vocabularies(spec, cols))
    model = incoming_model(spec)
    leads = [model(lead_id=str(i), **{k: v[i] for k, v in cols.items()}) for i in range(2)]
    enc = FeatureEncoder(spec)
    np.testing.assert_array_equal(enc.encode_leads(leads).matrix, enc.encode_columns(cols).matrix)


def test_an_untrained_spec_cannot_encode():
    with pytest.raises(SpecError, match="train first"):
        FeatureEncoder(SPEC)


def test_the_reserved_unseen_label_is_never_learned():
    vocab = learn_vocabularies(SPEC, {"src": [UNSEEN.upper()] * 3 + ["web"]})["src"]
    assert vocab == ("web",)
