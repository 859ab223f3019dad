"""The synthetic CRM: seeded, realistic marginals, documented conversion, on-demand shift."""

import numpy as np
import pandas as pd
import pytest

from schemas.spec import load_spec
from scoring.synthetic import MARGINALS, SHIFT_TARGET, SyntheticCRM, true_probability


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    return SyntheticCRM(7).leads(10_000)


def test_same_seed_same_leads_and_new_ids_on_each_call():
    a, b = SyntheticCRM(3).leads(500), SyntheticCRM(3).leads(500)
    pd.testing.assert_frame_equal(a, b)
    crm = SyntheticCRM(3)
    first, second = crm.leads(100), crm.leads(100)
    assert not set(first.lead_id) & set(second.lead_id)
    assert not SyntheticCRM(4).leads(500).equals(a)


def test_columns_match_the_default_spec(leads):
    names = [f.name for f in load_spec().features]
    assert list(leads.columns) == ["lead_id", *names, "converted"]
    assert leads.lead_id.is_unique


def test_ranges_and_missingness(leads):
    assert leads.company_size.dropna().min() >= 1
    assert leads.company_size.dropna().median() < leads.company_size.dropna().mean()  # heavy tail
    assert leads.engagement_score.dropna().between(0, 100).all()
    for col in ("website_visits", "email_opens"):
        values = leads[col].dropna()
        assert (values >= 0).all() and (values == values.round()).all()
    assert (leads.days_since_first_contact.dropna() >= 0).all()
    missing = leads.drop(columns=["lead_id", "converted"]).isna().mean()
    assert missing.between(0.005, 0.05).all()


def test_categorical_marginals(leads):
    for name, marginal in MARGINALS.items():
        observed = leads[name].value_counts(normalize=True)
        for category, share in marginal.items():
            assert abs(observed[category] - share) < 0.02, (name, category)


def test_conversion_rate_in_documented_range():
    for seed in range(3):
        rate = SyntheticCRM(seed).leads(3000).converted.mean()
        assert 0.10 <= rate <= 0.20


def test_outcomes_follow_the_ground_truth(leads):
    p = true_probability(leads.fillna({"engagement_score": 35}))
    hi, lo = p > np.quantile(p, 0.8), p < np.quantile(p, 0.2)
    assert leads.converted[hi].mean() > 3 * leads.converted[lo].mean()


def test_numeric_shift_moves_the_mean_by_half_a_sigma():
    base = SyntheticCRM(11).leads(5000)
    moved = SyntheticCRM(11).leads(5000, {"engagement_score": 0.5})
    delta = moved.engagement_score.mean() - base.engagement_score.mean()
    assert delta / base.engagement_score.std() == pytest.approx(0.5, abs=0.05)
    assert moved.converted.mean() > base.converted.mean()  # covariate shift, same truth
    pd.testing.assert_series_equal(moved.industry, base.industry)


def test_categorical_shift_moves_mass_to_the_target_category():
    base = SyntheticCRM(5).leads(5000)
    moved = SyntheticCRM(5).leads(5000, {"lead_source": 0.3})
    target = SHIFT_TARGET["lead_source"]
    gain = (moved.lead_source == target).mean() - (base.lead_source == target).mean()
    assert 0.25 < gain < 0.32


def test_bad_shift_is_rejected():
    with pytest.raises(ValueError, match="unknown"):
        SyntheticCRM(0).leads(10, {"nope": 1.0})
    with pytest.raises(ValueError, match="share"):
        SyntheticCRM(0).leads(10, {"region": 2.0})


def test_events_are_json_ready_without_missing_keys():
    events = list(SyntheticCRM(2).events(2000))
    assert len(events) == 2000
    assert any(len(e) < 9 for e in events)  # some fields absent
    for e in events:
        assert "converted" not in e
        assert all(v is not None and v == v for v in e.values())
        assert isinstance(e.get("website_visits", 0), int)
    with_target = next(SyntheticCRM(2).events(1, with_target=True))
    assert with_target["converted"] in (0, 1)
