"""SRM is checked before the A/B guardrail judges: a broken split is never a rollback.

The expected SRM p-value is scipy's own Pearson goodness of fit
(``scipy.stats.chisquare`` on the two arm counts against ``N·[1 - share, share]``),
computed independently of :mod:`scoring.experiments.srm`.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from scoring.experiments import DecisionPolicy, SequentialState
from scoring.experiments.counts import ArmTally
from scoring.experiments.guardrail import GuardrailVerdict, Split, read_experiment

POLICY = DecisionPolicy(alpha=0.05)
# treatment converts at 5 % against control's 30 %: the sequential test says "worse"
CONTROL, WORSE = ArmTally(1000, 300), ArmTally(1000, 50)


def scipy_srm_p(nc: int, nt: int, share: float) -> float:
    total = nc + nt
    return float(stats.chisquare([nc, nt], f_exp=[total * (1 - share), total * share]).pvalue)


def test_a_broken_split_is_invalid_not_worse_even_when_the_treatment_looks_worse():
    assert read_experiment(SequentialState(), CONTROL, WORSE, POLICY,
                           None).verdict is GuardrailVerdict.TREATMENT_WORSE
    split = Split(5400, 4600, 0.5)  # chi2 = 800^2/10000 = 64
    p = scipy_srm_p(5400, 4600, 0.5)
    assert p < 0.001
    reading = read_experiment(SequentialState(), CONTROL, WORSE, POLICY, split)
    assert reading.verdict is GuardrailVerdict.SRM_INVALID
    assert reading.treatment_below_control is None
    assert abs(reading.srm.p_value - p) <= 1e-12 + 1e-9 * p and not reading.srm.ok


def test_a_sound_split_is_judged_by_the_sequential_test():
    split = Split(4960, 5040, 0.5)  # chi2 = 0.64, p = 0.42
    assert scipy_srm_p(4960, 5040, 0.5) > 0.4
    reading = read_experiment(SequentialState(), CONTROL, WORSE, POLICY, split)
    assert reading.verdict is GuardrailVerdict.TREATMENT_WORSE
    assert reading.treatment_below_control is True and reading.srm.ok
    even = read_experiment(SequentialState(), CONTROL, ArmTally(1000, 305), POLICY, split)
    assert even.verdict is GuardrailVerdict.HEALTHY and even.treatment_below_control is False


def test_before_the_burn_in_a_sound_split_is_not_judged():
    reading = read_experiment(SequentialState(), ArmTally(5, 1), ArmTally(5, 0),
                              DecisionPolicy(burn_in=100), Split(10, 10, 0.5))
    assert reading.verdict is GuardrailVerdict.NOT_JUDGED
    assert reading.treatment_below_control is None


@settings(max_examples=300, deadline=None)
@given(nc=st.integers(1, 50_000), nt=st.integers(1, 50_000),
       share=st.sampled_from([0.05, 0.1, 0.2, 0.5, 0.9]),
       c_rate=st.floats(0.0, 1.0), t_rate=st.floats(0.0, 1.0))
def test_whenever_the_srm_p_value_is_below_a_tenth_of_a_percent_there_is_no_rollback(
        nc, nt, share, c_rate, t_rate):
    control = ArmTally(nc, round(nc * c_rate))
    treatment = ArmTally(nt, round(nt * t_rate))
    reading = read_experiment(SequentialState(), control, treatment, POLICY,
                              Split(nc, nt, share))
    p = scipy_srm_p(nc, nt, share)
    if p < 0.001:
        assert reading.verdict is GuardrailVerdict.SRM_INVALID
        assert reading.treatment_below_control is None
    elif p > 0.0011:  # clear of the threshold: float noise cannot flip the verdict
        assert reading.verdict is not GuardrailVerdict.SRM_INVALID
