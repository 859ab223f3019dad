"""The drift-quality bench on tiny sizes (real run: ``python -m bench.drift_quality``)."""

from __future__ import annotations

import json

from bench import drift_quality


def test_bench_runs_end_to_end_on_tiny_sizes(tmp_path, capsys):
    out = tmp_path / "dq.json"
    drift_quality.main(["--sizes", "200", "--stationary", "4", "--runs", "2", "--seed", "3",
                        "--reference-rows", "20000", "--out", str(out)])
    report = json.loads(out.read_text())
    (row,) = report["rows"]
    assert row["window_size"] == 200
    for method in drift_quality.METHODS:
        assert 0 <= row[method]["false_alarm_rate"] <= 1
        assert 0 <= row[method]["detected_within_2"] <= 1
    assert "leadstream" in capsys.readouterr().out


def test_naive_rule_fires_on_psi_or_ks():
    from monitors.drift import DriftResult, FeatureDrift
    from schemas.monitor import Severity

    def result(psi, ks):
        f = FeatureDrift("x", "numeric", psi, 0, 1, 0, 1, ks, 1, None, 0.0)
        return DriftResult(100, Severity.OK, (f,), None)

    assert drift_quality.naive_alarm(result(0.25, 0.0))
    assert drift_quality.naive_alarm(result(0.0, 0.11))
    assert not drift_quality.naive_alarm(result(0.2, 0.1))
