"""``leadstream spec check`` says what is wrong in plain words: a leaking feature is a
warning naming it, an invalid spec names the feature (1-based, by name) and the key, with
no pydantic dump and no link."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from streams.cli import main

SPEC = """
name = "bank"
target_source = "y"
[[features]]
name = "age"
kind = "numeric"
[[features]]
name = "duration"
kind = "numeric"
"""


def _export(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    y = rng.random(600) < 0.2
    data = tmp_path / "bank.csv"
    pd.DataFrame({"age": rng.integers(18, 90, 600), "y": y.astype(int),
                  "duration": np.where(y, 700, 150) + rng.integers(0, 100, 600)}
                 ).to_csv(data, index=False, sep=";")
    return data


def test_spec_check_warns_about_a_leaking_feature(tmp_path: Path) -> None:
    (tmp_path / "bank.toml").write_text(SPEC)
    out = CliRunner().invoke(main, ["spec", "check", str(tmp_path / "bank.toml"),
                                    "--data", str(_export(tmp_path))])
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert ("warning: likely target leakage: duration (column 'duration'): alone it ranks "
            "the outcome with AUC 1.000") in text
    assert "leakage: age" not in text
    clean = CliRunner().invoke(
        main, ["spec", "check", str(tmp_path / "bank.toml"), "--data",
               str(_export(tmp_path))], env={"LEADSTREAM_SPEC_LEAKY_NAMES": ""})
    assert "leakage: duration" in " ".join(clean.output.split())  # its AUC alone: 1.0


def test_an_invalid_spec_names_the_feature_and_the_key(tmp_path: Path) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(SPEC.replace('name = "age"', 'name = "emp.var.rate"')
                    + '[[features]]\nname = "job"\nkind = "categorical"\nmin_frequncy = 0.1\n')
    out = CliRunner().invoke(main, ["spec", "check", str(spec), "--data",
                                    str(_export(tmp_path))])
    assert out.exit_code != 0
    text = " ".join(out.output.split())
    assert "invalid feature spec (2 problems)" in text
    assert ("feature 1 'emp.var.rate': key 'name': 'emp.var.rate' is not a valid feature "
            "name") in text and "(e.g. 'emp_var_rate')" in text
    assert "feature 3 'job': unknown key 'min_frequncy' (did you mean 'min_frequency'?)" in text
    assert "pydantic" not in text and "features.0" not in text and "type=" not in text
