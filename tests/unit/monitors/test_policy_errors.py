"""Guardrail policy files: what a bad one is told, word for word."""

from __future__ import annotations

import pytest

from monitors.policy import PolicyError, load_policy, parse_policy


def message(raw=None, path=None) -> str:
    with pytest.raises(PolicyError) as info:
        if path is not None:
            load_policy(path)
        else:
            parse_policy(raw)
    return str(info.value)


def test_unknown_top_level_keys():
    assert message({"cooldown": 5, "zeta": 1}) == "unknown policy keys: ['cooldown', 'zeta']"


def test_unknown_guardrail_keys_name_the_guardrail():
    raw = {"guardrail": [{"name": "g1", "metric": "m", "warn": 1, "critical": 2, "colour": 3}]}
    assert message(raw) == "guardrail g1: unknown keys ['colour']"


def test_invalid_guardrail_values_name_the_guardrail():
    raw = {"guardrail": [{"name": "g2", "metric": "m", "warn": 1, "critical": 2,
                          "direction": "sideways"}]}
    assert message(raw).startswith("guardrail g2: ")
    raw = {"guardrail": [{"name": "g3", "warn": 1, "critical": 2}]}  # no metric
    assert message(raw).startswith("guardrail g3: ")


def test_a_policy_without_guardrails_is_empty():
    assert parse_policy({}).guardrails == ()
    assert parse_policy({"cooldown_s": 5}).guardrails == ()


def test_defaults_apply_to_every_guardrail_unless_overridden():
    raw = {"cooldown_s": 30, "min_samples": 7,
           "guardrail": [{"name": "a", "metric": "m", "warn": 1, "critical": 2},
                         {"name": "b", "metric": "m", "warn": 1, "critical": 2,
                          "min_samples": 1}]}
    a, b = parse_policy(raw).guardrails
    assert (a.cooldown_s, a.min_samples, b.cooldown_s, b.min_samples) == (30, 7, 30, 1)


def test_file_errors(tmp_path):
    missing = tmp_path / "none.toml"
    assert message(path=missing) == f"guardrail policy not found: {missing}"
    broken = tmp_path / "broken.toml"
    broken.write_text("[[guardrail]\n")
    assert message(path=broken).startswith("cannot parse guardrail policy: ")
