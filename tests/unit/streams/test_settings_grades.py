"""Grade and reason settings: validated at start, and the bucket settings they replaced are
refused with the name of the new one."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from scoring.grades import GradeScale
from streams.settings import Settings


def test_defaults_are_a_to_d_with_the_old_bucket_bounds_and_three_reasons() -> None:
    s = Settings(_env_file=None)
    assert s.grade_scale == GradeScale(("A", "B", "C", "D"), (0.8, 0.5, 0.3, 0.0))
    assert s.reasons_k == 3 and s.exact_grades == frozenset({"A"})


def test_grades_and_exact_grades_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("LEADSTREAM_GRADES", "Hot=0.7,Cold=0")
    assert Settings(_env_file=None).exact_grades == {"Hot"}  # unset: the best grade
    monkeypatch.setenv("LEADSTREAM_REASONS_EXACT_GRADES", "*")
    s = Settings(_env_file=None)
    assert s.grade_scale.names == ("Hot", "Cold") and s.exact_grades == {"Hot", "Cold"}
    monkeypatch.setenv("LEADSTREAM_REASONS_EXACT_GRADES", "")
    assert Settings(_env_file=None).exact_grades == frozenset()


@pytest.mark.parametrize(("env", "says"), [
    ({"LEADSTREAM_GRADES": "A=0.3,B=0.5,C=0"}, "strictly decreasing"),
    ({"LEADSTREAM_GRADES": "A=0.8,B=0.2"}, "must be 0"),
    ({"LEADSTREAM_REASONS_EXACT_GRADES": "A,Z"}, "names Z, not a grade"),
    ({"LEADSTREAM_REASONS_K": "-1"}, "reasons_k"),
])
def test_bad_grade_settings_are_refused(monkeypatch, env, says) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ValidationError, match=says):
        Settings(_env_file=None)


@pytest.mark.parametrize("old", ["LEADSTREAM_BUCKET_HOT", "LEADSTREAM_BUCKET_WARM",
                                 "LEADSTREAM_BUCKET_COOL"])
def test_an_old_bucket_variable_names_its_replacement(monkeypatch, old) -> None:
    monkeypatch.setenv(old, "0.7")
    with pytest.raises(ValidationError, match=f"{old}: buckets were replaced by grades; "
                                              "set LEADSTREAM_GRADES"):
        Settings(_env_file=None)
