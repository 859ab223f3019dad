"""``models history`` prints an automatic decision's evidence on one line, and survives
evidence with missing or odd values (it is printed, never trusted)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streams.cli.models import evidence_brief


def test_counts_test_srm_and_the_guardrails_that_were_not_healthy():
    ev = {"control_conversions": 80, "control_outcomes": 800, "treatment_conversions": 9,
          "treatment_outcomes": 90, "p_value": 0.04, "lower": -0.02, "upper": 0.05,
          "srm_p_value": 0.5, "guardrail.model_auc": "CRITICAL", "value.model_auc": 0.51234,
          "guardrail.latency_p95": "HEALTHY"}
    assert evidence_brief(ev) == ("control 80/800, treatment 9/90; p=0.04, CI [-0.0200, "
                                  "+0.0500]; SRM p=0.5; guardrails model_auc=CRITICAL (0.5123)")
    assert evidence_brief({"guardrail.a": "HEALTHY"}).endswith("guardrails all HEALTHY")


KEYS = ("control_conversions", "control_outcomes", "treatment_conversions", "p_value", "lower",
        "srm_p_value", "guardrail.x", "value.x")


@given(st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=20),
                       st.none() | st.floats() | st.integers() | st.booleans()
                       | st.text(max_size=10), max_size=8))
def test_any_evidence_prints(ev: dict):
    assert isinstance(evidence_brief(ev), str)
