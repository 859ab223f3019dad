"""Fields renamed since 0.1 still read what 0.1 wrote, and are written with the new name."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from schemas.monitor import PredictionDriftData
from schemas.profile import ScoreProfile

shares = st.floats(0, 1, allow_nan=False)


@given(share=shares, reference=shares)
def test_a_drift_record_of_0_1_reads_its_hot_share_as_the_top_grade_share(
        share: float, reference: float) -> None:
    old = {"score_psi": 0.0, "score_p": 1.0, "mean": 0.5, "mean_shift": 0.0,
           "hot_share": share, "hot_share_reference": reference}
    data = PredictionDriftData.model_validate_json(json.dumps(old))
    assert (data.top_grade_share, data.top_grade_share_reference) == (share, reference)
    written = data.model_dump(mode="json")
    assert (written["top_grade_share"], written["top_grade_share_reference"]) == (share, reference)
    assert "hot_share" not in written and "hot_share_reference" not in written


@given(share=shares)
def test_a_reference_profile_of_0_1_reads_its_hot_share(share: float) -> None:
    old = {"proportions": [1.0], "mean": 0.5, "hot_share": share}
    profile = ScoreProfile.model_validate(old)
    assert profile.top_grade_share == share
    assert json.loads(profile.model_dump_json())["top_grade_share"] == share
