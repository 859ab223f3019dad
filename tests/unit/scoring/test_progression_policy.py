"""The progression policy's TOML: defaults, percent steps, and errors that name the key."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.errors import FatalError
from schemas.policy import ProgressionPolicy
from scoring.experiments.policy import parse_policy

FULL = """
[canary]
steps = [5, 10, 25, 50, 100]
min_windows = 2
min_samples = 50
max_windows = 40

[guardrails]
healthy = ["model_error_rate", "treatment_conversion"]

[verdict]
alpha = 0.1
margin = 0.03
min_outcomes_per_arm = 100

[[webhook]]
name = "desk"
url = "http://127.0.0.1:8080/confirm"
on = ["advance", "promote"]
timeout_s = 2
"""


def test_every_key_parses_and_steps_are_percent():
    p = parse_policy(FULL)
    assert p.steps == (0.05, 0.1, 0.25, 0.5, 1.0)
    assert (p.min_windows, p.min_samples, p.max_windows) == (2, 50, 40)
    assert p.healthy == ("model_error_rate", "treatment_conversion")
    assert (p.alpha, p.margin, p.min_outcomes_per_arm) == (0.1, 0.03, 100)
    assert p.webhooks[0].name == "desk" and p.webhooks[0].on == ("advance", "promote")
    assert p.webhooks[0].timeout_s == 2.0


def test_an_empty_policy_is_the_defaults():
    assert parse_policy("") == ProgressionPolicy()
    assert parse_policy("[canary]\nmin_windows = 5\n").steps == ProgressionPolicy().steps


@pytest.mark.parametrize(("text", "where"), [
    ("[canary]\nsteps = [50, 10]\n", "steps"),
    ("[canary]\nsteps = []\n", "steps"),
    ("[canary]\nsteps = [0, 10]\n", "steps"),
    ("[canary]\nmin_windows = 0\n", "min_windows"),
    ("[canary]\nstep = [5]\n", "[canary] takes only"),
    ("[verdict]\nalpha = 1.5\n", "alpha"),
    ("[rollout]\n", "unknown section"),
    ("[[webhook]]\nname = 'x'\nurl = 'ftp://x'\n", "webhooks.0.url"),
    ("[canary\n", "not valid TOML"),
])
def test_a_bad_policy_says_which_key(text: str, where: str):
    with pytest.raises(FatalError, match="policy") as info:
        parse_policy(text)
    assert where in str(info.value)


@given(st.text(max_size=200))
def test_any_text_is_a_policy_or_a_fatal_error(text: str):
    with contextlib.suppress(FatalError):
        assert isinstance(parse_policy(text), ProgressionPolicy)


@pytest.mark.parametrize(("text", "message"), [
    ("[canary]\nstep = [5]\n",
     "policy [canary] takes only steps, min_windows, min_samples, max_windows"),
    ("[rollout]\n[zones]\n", "policy: unknown section(s) rollout, zones (expected [canary], "
     "[guardrails], [verdict], [shadow], [[webhook]])"),
    ("[canary]\nsteps = ['5']\n", "policy [canary] steps must be a list of percentages"),
    ("[canary]\nsteps = 5\n", "policy [canary] steps must be a list of percentages"),
])
def test_a_bad_policy_is_told_in_these_words(text: str, message: str):
    with pytest.raises(FatalError) as info:
        parse_policy(text)
    assert str(info.value) == message


def test_percent_steps_are_rounded_to_six_decimals_of_a_share():
    assert parse_policy("[canary]\nsteps = [12.3456789, 50]\n").steps == (0.123457, 0.5)
