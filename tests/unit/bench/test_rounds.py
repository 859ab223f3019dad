"""The throughput bench's rounds: their interleaved order, medians, ratios of medians and
the instability flag (:mod:`bench.rounds`). Expected values are worked out by hand or
from sorted lists, not with the module's own helpers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench import rounds

NAMES = st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=10, unique=True)
RATES = st.lists(st.floats(min_value=1.0, max_value=1e6), min_size=1, max_size=7)


def _median(xs: list[float]) -> float:
    s, n = sorted(xs), len(xs)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _drain(*rates: float) -> dict:
    return {"leads_per_s": _median(list(rates)),
            "spread": (max(rates) - min(rates)) / _median(list(rates))}


@given(NAMES, st.integers(min_value=0, max_value=9))
def test_every_round_runs_every_variant_once(names: list[str], r: int) -> None:
    assert sorted(rounds.round_order(names, r)) == sorted(names)


@given(NAMES, st.integers(min_value=0, max_value=4))
def test_each_pair_of_rounds_is_forward_then_backward(names: list[str], pair: int) -> None:
    first = rounds.round_order(names, 2 * pair)
    second = rounds.round_order(names, 2 * pair + 1)
    assert second == first[::-1]  # position i in one round is n-1-i in the other
    for name in names:
        assert first.index(name) + second.index(name) == len(names) - 1


def test_three_rounds_of_the_bench_start_with_three_different_variants() -> None:
    names = ["a00", "a0", "a", "a-h", "b", "b'", "c", "a+s"]
    orders = [rounds.round_order(names, r) for r in range(3)]
    assert orders[0] == names
    assert orders[1] == ["a+s", "c", "b'", "b", "a-h", "a", "a0", "a00"]
    assert orders[2] == ["b", "b'", "c", "a+s", "a00", "a0", "a", "a-h"]


def test_schedule_runs_round_after_round() -> None:
    plan = rounds.schedule(["x", "y", "z"], 3)
    assert plan == [(0, "x"), (0, "y"), (0, "z"), (1, "z"), (1, "y"), (1, "x"),
                    (2, "y"), (2, "z"), (2, "x")]


@given(RATES)
def test_spread_is_the_median_and_the_range_over_it(rates: list[float]) -> None:
    out = rounds.spread(rates)
    med = _median(rates)
    assert out["median"] == pytest.approx(med)
    assert (out["min"], out["max"]) == (min(rates), max(rates))
    assert out["spread"] == pytest.approx((max(rates) - min(rates)) / med)
    assert out["min"] <= out["median"] <= out["max"]


def test_spread_of_no_rounds_is_an_error() -> None:
    with pytest.raises(ValueError):
        rounds.spread([])


def test_combine_keeps_every_round_and_reports_their_median() -> None:
    runs = [{"events": 100, "leads_per_s": r, "drain_s": 100 / r, "peak_rss_mb": m,
             "self_reported_leads_per_s": own}
            for r, m, own in ((20_000.0, 150.0, None), (80_000.0, 149.0, 81_000.0),
                              (48_000.0, 152.0, 47_000.0))]
    out = rounds.combine(runs)
    assert out["leads_per_s"] == 48_000.0
    assert (out["leads_per_s_min"], out["leads_per_s_max"]) == (20_000.0, 80_000.0)
    assert out["spread"] == pytest.approx(60_000 / 48_000)
    assert out["peak_rss_mb"] == 152.0
    assert out["self_reported_leads_per_s"] == 64_000.0  # median of the two reported
    assert out["drain_s"] == pytest.approx(100 / 48_000)
    assert out["rounds"] == runs and out["events"] == 100


@given(RATES, RATES)
def test_a_ratio_is_the_ratio_of_the_two_medians(top: list[float], bottom: list[float]) -> None:
    drains = {"leadstream": _drain(*top), "passthrough_txn": _drain(*bottom)}
    assert rounds.ratio(drains, "leadstream", "passthrough_txn") == pytest.approx(
        _median(top) / _median(bottom))
    assert rounds.ratio(drains, "leadstream", "naive") is None


def test_a_ratio_is_unstable_when_either_side_spreads_over_a_fifth() -> None:
    steady, steady2 = _drain(10_000, 10_500, 11_000), _drain(40_000, 44_000, 47_000)  # 10 %, 16 %
    jumpy = _drain(20_861, 47_973, 79_365)  # Run 16's (b): 122 %
    assert not rounds.unstable({"a": steady, "b": steady2}, "a", "b")
    assert rounds.unstable({"a": steady, "b": jumpy}, "a", "b")
    assert rounds.unstable({"a": jumpy, "b": steady}, "a", "b")
    edge = _drain(90, 100, 110)  # exactly 20 %: not over the limit
    assert not rounds.unstable({"a": edge, "b": steady}, "a", "b")
    assert rounds.unstable({"a": edge, "b": steady}, "a", "b", limit=0.19)


def test_ratios_flag_only_the_ratios_with_an_unstable_side_that_were_run() -> None:
    drains = {"leadstream": _drain(10_000, 10_400), "passthrough_txn": _drain(20_000, 80_000),
              "leadstream_no_reasons": _drain(12_000, 12_500)}
    out = rounds.ratios(drains)
    assert out["a_over_b"] == pytest.approx(10_200 / 50_000)
    assert out["reasons_over_off"] == pytest.approx(10_200 / 12_250)
    assert out["a_over_c"] is None
    assert out["unstable"] == ["a_over_b"]


def test_expected_seconds_adds_drains_processes_phases_and_set_up() -> None:
    got = rounds.expected_seconds([(200_000, 10_000.0), (1_000_000, 100_000.0)], rounds=3,
                                  latency_phases=5, phase_s=17.0, overhead_s=4.0, setup_s=60.0)
    assert got == pytest.approx(60 + 3 * (20 + 4 + 10 + 4) + 5 * (17 + 4))


def test_the_printout_flags_the_unstable_ratios_only() -> None:
    from bench.report import ratio_lines

    drains = {"leadstream": _drain(10_000, 10_400), "passthrough_txn": _drain(20_000, 80_000),
              "leadstream_no_reasons": _drain(12_000, 12_500)}
    lines = dict(line.rsplit(None, 1) if line.endswith("UNSTABLE") else (line, "")
                 for line in ratio_lines(rounds.ratios(drains)).splitlines()[1:])
    assert len(lines) == 2  # the ratios whose sides were both run
    assert [v for k, v in lines.items() if "(a)/(b)" in k] == ["UNSTABLE"]
    assert [v for k, v in lines.items() if "(a)/(a0)" in k] == [""]
