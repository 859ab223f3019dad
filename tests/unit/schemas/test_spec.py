from pathlib import Path

import pytest

from schemas.errors import SpecError
from schemas.spec import MISSING, CategoricalFeature, FeatureSpec, NumericFeature, load_spec


def test_default_spec_has_the_case_study_fields():
    spec = load_spec()
    assert [f.name for f in spec.features] == [
        "lead_source", "industry", "region", "company_size", "engagement_score",
        "website_visits", "email_opens", "days_since_first_contact",
    ]
    by_name = {f.name: f for f in spec.features}
    assert by_name["company_size"].min == 1
    assert (by_name["engagement_score"].min, by_name["engagement_score"].max) == (0, 100)
    assert by_name["days_since_first_contact"].min == 0
    assert not spec.is_trained


def test_yaml_and_toml_give_the_same_spec(tmp_path: Path):
    (tmp_path / "s.yaml").write_text(
        "name: y\nfeatures:\n  - {name: size, kind: numeric, min: 1}\n"
        "  - {name: src, kind: categorical}\n"
    )
    (tmp_path / "s.toml").write_text(
        'name = "y"\n[[features]]\nname = "size"\nkind = "numeric"\nmin = 1\n'
        '[[features]]\nname = "src"\nkind = "categorical"\n'
    )
    assert load_spec(tmp_path / "s.yaml") == load_spec(tmp_path / "s.toml")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[[features]]\nname = "x"\nkind = "numeric"\nmin = 5\nmax = 1\n', "min 5.0 > max 1.0"),
        ('[[features]]\nname = "x"\nkind = "numeric"\nmissing = "impute"\n', "impute"),
        ('[[features]]\nname = "lead_id"\nkind = "numeric"\n', "reserved"),
        ('[[features]]\nname = "x"\nkind = "text"\n', "invalid feature spec"),
        ("features = [", "cannot parse"),
    ],
)
def test_bad_specs_fail_with_a_clear_message(tmp_path: Path, text: str, needle: str):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(SpecError, match=needle):
        load_spec(path)


def test_missing_spec_file_is_named(tmp_path: Path):
    with pytest.raises(SpecError, match="not found"):
        load_spec(tmp_path / "nope.toml")


def test_vocabularies_make_the_spec_trained_and_change_its_fingerprint():
    spec = FeatureSpec(features=[NumericFeature(name="a"), CategoricalFeature(name="c")])
    trained = spec.with_vocabularies({"c": ("x", "y")})
    assert trained.is_trained and not spec.is_trained
    assert trained.fingerprint() != spec.fingerprint()
    assert FeatureSpec.model_validate_json(trained.to_json()) == trained


def test_categorical_normalization_folds_case_and_null_values():
    f = CategoricalFeature(name="c", null_values=("Select",))
    assert f.normalize(" Google ") == f.normalize("google") == "google"
    assert f.normalize(None) == f.normalize("") == f.normalize("Select") == MISSING
    assert CategoricalFeature(name="c", lowercase=False).normalize("Google") == "Google"


@pytest.mark.parametrize(("text", "says"), [
    ('[[features]]\nname = "Emp Var"\nkind = "numeric"\n',
     "feature 1 'Emp Var': key 'name': 'Emp Var' is not a valid feature name: start with a "
     "lowercase letter, then only lowercase letters, digits and '_' (e.g. 'emp_var'); the "
     "export's column name goes in 'source'"),
    ('[[features]]\nname = "a"\nkind = "numeric"\n[[features]]\nname = "b"\nkind = "num"\n',
     "feature 2 'b': key 'kind': 'num' is not a kind; use 'numeric' or 'categorical'"),
    ('[[features]]\nname = "a"\n', "feature 1 'a': key 'kind': missing; use 'numeric' or "
     "'categorical'"),
    ('[[features]]\nname = "a"\nkind = "numeric"\nmaximum = 3\n',
     "feature 1 'a': unknown key 'maximum' (did you mean 'max'?)"),
    ('[[features]]\nname = "a"\nkind = "numeric"\nmin = 5\nmax = 1\n',
     "feature 1 'a': keys 'min' and 'max': min 5.0 > max 1.0"),
    ('[[features]]\nkind = "categorical"\n', "feature 1: key 'name' is required"),
    ('[[features]]\nname = "a"\nkind = "categorical"\nmissing = "impute"\n',
     "feature 1 'a': key 'missing': should be 'reject' or 'category' (got 'impute')"),
    ('targt = "y"\n[[features]]\nname = "a"\nkind = "numeric"\n',
     "spec: unknown key 'targt' (did you mean 'target'?)"),
])
def test_a_spec_error_names_the_feature_and_the_key_in_plain_words(tmp_path: Path, text: str,
                                                                   says: str):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value) == f"{path}: invalid feature spec (1 problem):\n  - {says}"
