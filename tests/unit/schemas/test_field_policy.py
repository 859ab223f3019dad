"""The spec's field policy: one reading of a raw value for CSV cells and live events."""

import json

import pytest

from schemas.errors import RejectedEvent
from schemas.leads import incoming_model, parse_incoming
from schemas.spec import MISSING, FeatureSpec

SPEC = FeatureSpec.model_validate({
    "name": "policy",
    "features": [
        {"name": "pdays", "kind": "numeric", "dtype": "int", "min": 0, "max": 30,
         "null_values": ["999"]},
        {"name": "emp_var_rate", "source": "emp.var.rate", "kind": "numeric"},
        {"name": "country", "source": "Country", "kind": "categorical",
         "null_values": ["Select", "unknown"]},
        {"name": "region", "kind": "categorical", "missing": "reject",
         "null_values": ["n/a"]},
    ],
})
PDAYS, RATE, COUNTRY, REGION = SPEC.features


@pytest.mark.parametrize(("raw", "read"), [
    (None, None), ("", None), ("  ", None), ("999", None), (" 999.0 ", None), (999, None),
    (999.0, None), ("12", "12"), (12, 12), (True, True), ("abc", "abc"),
])
def test_numeric_null_values_match_as_text_and_as_number(raw, read):
    assert PDAYS.read(raw) == read


@pytest.mark.parametrize(("raw", "normalized"), [
    ("Select", MISSING), (" select ", MISSING), ("UNKNOWN", MISSING), ("", MISSING),
    (None, MISSING), (" India ", "india"), ("Selected", "selected"),
])
def test_categorical_values_are_read_then_case_folded(raw, normalized):
    assert COUNTRY.normalize(raw) == normalized


def parse(doc: dict):
    return parse_incoming(incoming_model(SPEC), json.dumps(doc).encode(), 64 * 1024)


def test_live_events_get_the_null_values_before_the_range_check():
    lead = parse({"lead_id": "a", "pdays": 999, "region": "emea"})
    assert lead.pdays is None
    assert parse({"lead_id": "a", "pdays": "999", "region": "emea"}).pdays is None
    assert parse({"lead_id": "a", "pdays": 7, "region": "emea"}).pdays == 7
    with pytest.raises(RejectedEvent, match="pdays"):
        parse({"lead_id": "a", "pdays": 998, "region": "emea"})


def test_live_events_may_use_the_exports_column_names_the_spec_name_wins():
    lead = parse({"lead_id": "a", "emp.var.rate": -1.8, "Country": "Select", "region": "x"})
    assert lead.emp_var_rate == -1.8 and lead.country is None
    both = parse({"lead_id": "a", "emp_var_rate": 1.1, "emp.var.rate": -1.8, "region": "x"})
    assert both.emp_var_rate == 1.1


def test_a_required_feature_sent_as_a_null_value_is_rejected():
    with pytest.raises(RejectedEvent, match="region"):
        parse({"lead_id": "a", "region": "N/A"})
