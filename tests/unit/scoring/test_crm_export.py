"""Reading a CRM export through a spec: source columns, nulls, casing, target, drops."""

from pathlib import Path

import pytest

from schemas.spec import FeatureSpec
from scoring.crm_export import ExportError, read_crm_export

SPEC = FeatureSpec.model_validate({
    "name": "crm", "target_source": "Converted", "id_source": "Prospect ID",
    "features": [
        {"name": "lead_source", "source": "Lead Source", "kind": "categorical",
         "null_values": ["Select"]},
        {"name": "visits", "source": "TotalVisits", "kind": "numeric", "min": 0,
         "null_values": ["Select"]},
        {"name": "country", "source": "Country", "kind": "categorical", "missing": "reject"},
    ],
})
CSV = """Prospect ID,Lead Source,TotalVisits,Country,Converted,Extra
a1,Google,3,India,1,x
a2, google ,Select,India,0,x
a3,Select,,India,Yes,x
a4,Direct,-1,India,0,x
a5,Direct,2,,1,x
a6,Direct,abc,India,maybe,x
a1,Google,3,India,1,x
a7,Olark Chat,4.5,India,no,x
"""


def write(tmp_path: Path, text: str = CSV) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(text)
    return path


def test_reads_through_the_spec(tmp_path):
    frame, report = read_crm_export(write(tmp_path), SPEC)
    assert list(frame.columns) == ["lead_id", "lead_source", "visits", "country", "converted"]
    assert frame.lead_id.tolist() == ["a1", "a2", "a3", "a7"]
    assert frame.lead_source.fillna("-").tolist() == ["google", "google", "-", "olark chat"]
    assert frame.visits.isna().tolist() == [False, True, True, False]
    assert frame.converted.tolist() == [1, 0, 1, 0]
    assert report.rows_read == 8 and report.rows_kept == 4
    assert report.dropped == {
        "visits out of range": 1, "country missing": 1, "target 'Converted' not 0/1": 1,
        "duplicate lead id": 1,
    }
    assert report.unparsable == {"visits": 1}
    assert "kept 4 of 8" in report.summary()


def test_missing_columns_are_named(tmp_path):
    path = write(tmp_path, "Prospect ID,Lead Source,Converted\nx,Google,1\n")
    with pytest.raises(ExportError, match=r"\['TotalVisits', 'Country'\]"):
        read_crm_export(path, SPEC)


def test_target_override_and_generated_ids(tmp_path):
    spec = SPEC.model_copy(update={"id_source": None})
    text = CSV.replace("Converted", "Won")
    frame, _ = read_crm_export(write(tmp_path, text), spec, target="Won")
    assert frame.lead_id.iloc[0] == "row-1"
    with pytest.raises(ExportError, match="Converted"):
        read_crm_export(write(tmp_path, text), spec)


def test_absent_file_and_no_usable_rows(tmp_path):
    with pytest.raises(ExportError, match="not found"):
        read_crm_export(tmp_path / "nope.csv", SPEC)
    path = write(tmp_path, "Prospect ID,Lead Source,TotalVisits,Country,Converted\nq,a,1,,1\n")
    with pytest.raises(ExportError, match="no usable rows"):
        read_crm_export(path, SPEC)
