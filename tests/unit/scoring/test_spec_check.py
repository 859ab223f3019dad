"""``spec check``, the generated spec reference, delimiters, unknown targets, no-target replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.spec import NumericFeature, load_spec
from scoring.crm_export import ExportError, detect_separator, read_crm_export
from scoring.spec_check import check_export
from scoring.spec_reference import reference_markdown
from streams.crm.traffic import csv_events

ROOT = Path(__file__).resolve().parents[3]
SPEC = """
name = "tiny"
target_source = "Status"
id_source = "Id"
[[features]]
name = "visits"
source = "Visits"
kind = "numeric"
min = 0
max = 50
null_values = [999]
[[features]]
name = "channel"
source = "Channel"
kind = "categorical"
min_frequency = 0.2
"""


def write(tmp_path: Path, sep: str, rows: list[list[str]]) -> tuple[Path, Path]:
    spec = tmp_path / "tiny.toml"
    spec.write_text(SPEC)
    data = tmp_path / "export.csv"
    data.write_text("\n".join(sep.join(r) for r in rows) + "\n")
    return spec, data


ROWS = [["Id", "Visits", "Channel", "Status", "Notes"],
        ["1", "3", "Web", "Won", "x"], ["2", "999", "web", "Lost", "y"],
        ["3", "70", "Ads", "won", "z"], ["4", "5", "Ads", "Open", "w"],
        ["5", "7", "Fair", "Open", "v"], ["6", "2", "Web", "Qualified", "u"],
        ["7", "1", "Ads", "lost", "t"]]


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_the_delimiter_is_detected(tmp_path: Path, sep: str) -> None:
    _, data = write(tmp_path, sep, ROWS)
    assert detect_separator(data) == sep


def test_check_counts_what_training_would_keep_and_drop(tmp_path: Path) -> None:
    spec, data = write(tmp_path, ";", ROWS)
    r = check_export(data, load_spec(spec), min_rows=5, min_positives=1, min_negatives=1)
    # by hand: row 3 out of range (70 > 50); rows 4, 5, 6 have unknown targets
    assert r.report.rows_read == 7 and r.report.rows_kept == 3
    assert r.report.dropped["visits out of range"] == 1
    assert r.report.dropped["target 'Status' not 0/1"] == 3
    assert r.report.unknown_targets == {"Open": 2, "Qualified": 1}
    assert "'Open' x2" in r.report.summary() and "won" in r.report.summary()
    assert (r.positives, r.negatives) == (1, 2)
    assert r.ignored_columns == ["Notes"]
    assert r.gate == "refused: 3 rows < 5"
    visits = next(f for f in r.features if f.name == "visits")
    assert visits.missing_share == pytest.approx(1 / 3)  # 999 means missing
    channel = next(f for f in r.features if f.name == "channel")
    assert channel.detail.startswith("2 values, 2 kept, 0 rare")  # web (2), ads (1) of 3
    assert r.report.sep == ";" and "at random" in r.split


def test_null_values_may_be_numbers() -> None:
    f = NumericFeature(name="pdays", null_values=[999, 99.5, "n/a"])
    assert f.null_values == ("999", "99.5", "n/a")
    assert f.read(999) is None and f.read("999.0") is None and f.read(5) == 5


def test_a_replay_needs_no_target_column(tmp_path: Path) -> None:
    rows = [[c for i, c in enumerate(r) if i != 3] for r in ROWS]
    spec, data = write(tmp_path, ",", rows)
    with pytest.raises(ExportError, match="Status"):
        read_crm_export(data, load_spec(spec))
    events = list(csv_events(data, spec))
    assert [e["lead_id"] for e in events] == ["1", "2", "4", "5", "6", "7"]  # 3: out of range
    assert events[1] == {"lead_id": "2", "channel": "web"}  # 999: left out, as a CRM would


def test_the_reference_on_disk_is_the_generated_one() -> None:
    on_disk = (ROOT / "docs" / "spec.md").read_text()
    assert on_disk == reference_markdown(), (
        "docs/spec.md is stale: run `leadstream spec reference > docs/spec.md`")


def test_the_reference_explains_every_key() -> None:
    from schemas.spec import CategoricalFeature, FeatureSpec

    text = reference_markdown()
    for model in (FeatureSpec, NumericFeature, CategoricalFeature):
        for name, info in model.model_fields.items():
            assert f"| `{name}` |" in text, name
            assert info.description, f"{model.__name__}.{name} has no description"


SPEC_TIMED = """
name = "timed"
target_source = "Status"
id_source = "Id"
time_source = "Created"
[[features]]
name = "visits"
source = "Visits"
kind = "numeric"
min = 0
max = 50
null_values = [999]
[[features]]
name = "pages"
source = "Pages"
kind = "numeric"
[[features]]
name = "channel"
source = "Channel"
kind = "categorical"
min_frequency = 0.2
[[features]]
name = "region"
source = "Region"
kind = "categorical"
"""
# pipe-separated, but every line also holds one comma: the sniffer would take the comma
TIMED = """Id|Visits|Pages|Channel|Region|Status|Outcome|Created|Notes, free text
1|3|10|Web|EU|Won|Lost|2026-01-01|a, b
2|999|12|web|EU|Lost|Lost|2026-01-02|c, d
3|70|5|Ads|US|won|Won|2026-01-03|e, f
4|many|7|Ads|US|Lost|Won|2026-01-04|g, h
5|1|8|Fair||lost|Won|2026-01-05|i, j
6|2|9|Web|EU|Won|Won|2026-01-06|k, l
7|4|11|Ads|US|Lost|Lost|2026-01-07|m, n
"""


def timed(tmp_path: Path) -> tuple[Path, object]:
    data = tmp_path / "timed.csv"
    data.write_text(TIMED)
    spec = tmp_path / "timed.toml"
    spec.write_text(SPEC_TIMED)
    return data, load_spec(spec)


def test_every_feature_is_reported_as_worked_out_by_hand(tmp_path: Path) -> None:
    from scoring.spec_check import FeatureCheck

    data, spec = timed(tmp_path)
    r = check_export(data, spec, sep="|", min_rows=7, min_positives=3, min_negatives=5)
    # kept: every row but 3 (70 > 50). visits: 3, missing (999), unparsable ("many"), 1, 2, 4;
    # channel: web x3, ads x2, fair x1 (1/6 < 0.2: merged); region: eu x3, us x2, one empty
    assert r.features == [
        FeatureCheck("visits", "Visits", "numeric", pytest.approx(2 / 6),
                     "1..4, 1 unparsable, 1 rows out of range"),
        FeatureCheck("pages", "Pages", "numeric", 0.0, "7..12, 0 unparsable, 0 rows out of range"),
        FeatureCheck("channel", "Channel", "categorical", 0.0,
                     "3 values, 2 kept, 1 rare -> unseen"),
        FeatureCheck("region", "Region", "categorical", pytest.approx(1 / 6),
                     "2 values, 2 kept, 0 rare -> unseen"),
    ]
    assert (r.positives, r.negatives) == (2, 4)
    assert r.gate == "refused: 6 rows < 7, 2 conversions < 3, 4 non-conversions < 5"
    assert r.split == "by time (Created: newest 20 % tested)"
    assert r.ignored_columns == ["Outcome", "Notes, free text"]


def test_another_target_column_can_be_named(tmp_path: Path) -> None:
    data, spec = timed(tmp_path)
    r = check_export(data, spec, target="Outcome", sep="|", min_rows=1, min_positives=1,
                     min_negatives=1)
    # Outcome of the kept rows 1, 2, 4, 5, 6, 7: Lost, Lost, Won, Won, Won, Lost
    assert (r.positives, r.negatives, r.gate) == (3, 3, "ok")
    assert r.ignored_columns == ["Status", "Notes, free text"]


def test_a_feature_with_no_value_and_the_split_without_time(tmp_path: Path) -> None:
    rows = [["Id", "Visits", "Channel", "Status"]] + [
        [str(i), "999", "Web", "Won" if i % 2 else "Lost"] for i in range(6)]
    spec, data = write(tmp_path, ",", rows)
    r = check_export(data, load_spec(spec), min_rows=1, min_positives=1, min_negatives=1)
    visits = next(f for f in r.features if f.name == "visits")
    assert (visits.missing_share, visits.detail) == (
        1.0, "no values, 0 unparsable, 0 rows out of range")
    assert r.split == "stratified at random (the spec names no time_source)"


def test_the_default_gate_is_200_rows_40_conversions_and_40_non_conversions(
        tmp_path: Path) -> None:
    def gate(won: int, lost: int) -> str:
        rows = [["Id", "Visits", "Channel", "Status"]] + [
            [str(i), str(i % 9), "Web" if i % 3 else "Ads", "Won" if i < won else "Lost"]
            for i in range(won + lost)]
        spec, data = write(tmp_path, ",", rows)
        return check_export(data, load_spec(spec)).gate

    assert gate(40, 160) == "ok" and gate(160, 40) == "ok"
    assert gate(39, 160) == "refused: 199 rows < 200, 39 conversions < 40"
    assert gate(161, 39) == "refused: 39 non-conversions < 40"
