"""``spec check`` warns about likely target leakage: a feature that alone ranks the outcome
with AUC >= 0.9 (numeric raw value, either direction; categorical target rate learned
out-of-fold, so an id column does not look perfect), or a name on the configured list."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from schemas.spec import CategoricalFeature, FeatureSpec, NumericFeature, load_spec
from scoring.leakage import (
    DEFAULT_LEAKY_NAMES,
    categorical_auc,
    leakage_warnings,
    normal_name,
    numeric_auc,
)
from scoring.spec_check import check_export

ROOT = Path(__file__).resolve().parents[3]
X_EDUCATION = next((p for p in (ROOT.parent / "shared" / "datasets" / "x-education-leads.csv",
                                Path("/work/shared/datasets/x-education-leads.csv"))
                    if p.is_file()), None)


def _frame(n: int = 2000, seed: int = 1) -> tuple[pd.DataFrame, FeatureSpec]:
    """A bank-like export: ``duration`` and ``call_note`` are known only after the call
    (they encode the outcome); ``visits`` and ``region`` do not; ``lead_ref`` is an id."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    frame = pd.DataFrame({
        "converted": y,
        "duration": np.where(y == 1, rng.normal(600, 120, n), rng.normal(200, 120, n)),
        "seconds_on_phone": np.where(y == 1, rng.normal(200, 50, n), rng.normal(600, 50, n)),
        "visits": rng.poisson(4, n).astype(float),
        "call_note": np.where(rng.random(n) < 0.97, np.where(y == 1, "won", "lost"), "lost"),
        "region": rng.choice(["north", "south", "east"], n),
        "lead_ref": [f"ref-{i}" for i in range(n)],
    })
    frame.loc[rng.random(n) < 0.1, "visits"] = np.nan
    spec = FeatureSpec(target="converted", features=[
        NumericFeature(name="duration"), NumericFeature(name="seconds_on_phone"),
        NumericFeature(name="visits"), CategoricalFeature(name="call_note"),
        CategoricalFeature(name="region"), CategoricalFeature(name="lead_ref")])
    return frame, spec


def test_a_generated_export_with_leaking_columns_is_warned_about() -> None:
    frame, spec = _frame()
    warned = {w.feature: w for w in leakage_warnings(frame, spec)}
    assert sorted(warned) == ["call_note", "duration", "seconds_on_phone"]
    y = frame.converted.to_numpy()
    # by sklearn: duration ranks up, seconds_on_phone ranks down (either direction counts)
    assert warned["duration"].auc == pytest.approx(roc_auc_score(y, frame.duration))
    assert warned["seconds_on_phone"].auc == pytest.approx(
        1 - roc_auc_score(y, frame.seconds_on_phone))
    assert "AUC" in warned["duration"].why and "list" in warned["duration"].why
    assert "list" not in warned["seconds_on_phone"].why
    assert warned["call_note"].auc > 0.9


def test_an_id_column_does_not_look_perfect_by_memorisation() -> None:
    frame, spec = _frame()
    y = frame.converted.to_numpy()
    ref = next(f for f in spec.features if f.name == "lead_ref")
    in_sample = frame.groupby("lead_ref").converted.transform("mean")  # memorises each row
    assert roc_auc_score(y, in_sample) == 1.0
    assert abs(categorical_auc(frame.lead_ref, y, ref) - 0.5) < 0.05


def test_a_listed_name_is_warned_about_whatever_its_auc() -> None:
    frame, spec = _frame()
    frame["duration"] = np.random.default_rng(5).normal(300, 60, len(frame))  # no signal
    warned = {w.feature: w for w in leakage_warnings(frame, spec)}
    assert warned["duration"].auc < 0.6 and "AUC" not in warned["duration"].why
    assert "duration" not in {w.feature for w in leakage_warnings(frame, spec, ())}
    assert "region" in {w.feature for w in leakage_warnings(frame, spec, ["Region "])}
    assert "duration" in DEFAULT_LEAKY_NAMES and normal_name("Lead Quality") == "lead_quality"


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.one_of(st.none(), st.integers(-5, 5))),
                min_size=20, max_size=60))
def test_numeric_auc_is_the_best_pairwise_ranking(rows) -> None:
    y = np.array([r[0] for r in rows], dtype=float)
    x = np.array([np.nan if r[1] is None else r[1] for r in rows], dtype=float)
    got = numeric_auc(x, y)
    if not 0 < y.sum() < y.size or np.isnan(x).all():
        assert got is None
        return
    best = 0.0
    for fill in (-1e9, 1e9):  # missing lowest, then highest; by counting pairs
        v = np.where(np.isnan(x), fill, x)
        pos, neg = v[y == 1], v[y == 0]
        wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
        auc = wins / (pos.size * neg.size)
        best = max(best, auc, 1 - auc)
    assert got == pytest.approx(best)


SPEC = """
name = "x-education-leaky"
target_source = "Converted"
id_source = "Prospect ID"
[[features]]
name = "prospect"
source = "Prospect ID"
kind = "categorical"
max_categories = 100000
min_frequency = 0
[[features]]
name = "tag"
source = "Tags"
kind = "categorical"
[[features]]
name = "time_on_website"
source = "Total Time Spent on Website"
kind = "numeric"
[[features]]
name = "lead_origin"
source = "Lead Origin"
kind = "categorical"
[[features]]
name = "quality"
source = "Lead Quality"
kind = "categorical"
null_values = ["Select"]
"""


@pytest.mark.skipif(X_EDUCATION is None, reason="X Education export not present")
def test_the_x_education_export_warns_about_tags_and_lead_quality(tmp_path: Path) -> None:
    spec_path = tmp_path / "leaky.toml"
    spec_path.write_text(SPEC)
    r = check_export(X_EDUCATION, load_spec(spec_path))
    warned = {w.feature: w for w in r.leakage}
    # Tags are written by sales staff after contact: alone, AUC 0.92 out of fold
    assert sorted(warned) == ["quality", "tag"]
    assert warned["tag"].auc >= 0.9 and "AUC" in warned["tag"].why
    assert warned["quality"].auc < 0.9 and "Lead Quality" in warned["quality"].text()
    assert "leakage" in r.as_dict() and r.as_dict()["leakage"][0]["feature"] == "tag"
    # the example spec leaves them out: no warning
    clean = check_export(X_EDUCATION, load_spec(ROOT / "examples" / "x-education.spec.toml"))
    assert clean.leakage == []
