"""Train/serve parity: a CSV row and a live event become the same features and score.

One CRM export goes three ways: read for training (the offline model's prediction on the
CSV frame), replayed by ``produce --csv`` (``csv_events``), and hand-built as live JSON with
the export's own column names and raw values (``999`` meaning "not contacted", ``Select``,
odd casing and spaces). All three must give identical scores.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from schemas.spec import FeatureSpec, load_spec
from scoring.crm_export import read_crm_export
from scoring.features import FeatureEncoder
from scoring.intake import Intake, RawEvent
from scoring.model import ServingModel
from scoring.training import TrainConfig, train_model
from streams.crm.traffic import csv_events

SPEC_TOML = """
name = "bank"
target_source = "y"
id_source = "Lead Id"

[[features]]
name = "pdays"
kind = "numeric"
dtype = "int"
min = 0
max = 30
null_values = ["999"]

[[features]]
name = "emp_var_rate"
source = "emp.var.rate"
kind = "numeric"

[[features]]
name = "age"
kind = "numeric"
missing = "impute"
impute = 40.0

[[features]]
name = "channel"
source = "Channel"
kind = "categorical"
null_values = ["Select"]
min_frequency = 0.0
"""
EXPORT_COLUMNS = ["Lead Id", "pdays", "emp.var.rate", "age", "Channel", "y"]
NUMERIC_COLUMNS = {"pdays", "emp.var.rate", "age"}
X_EDUCATION_CSV = Path("/work/shared/datasets/x-education-leads.csv")
X_EDUCATION_SPEC = Path(__file__).resolve().parents[3] / "examples" / "x-education.spec.toml"


def write_export(tmp_path: Path, n: int = 400, seed: int = 3) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        contacted = rng.random() < 0.5
        pdays = int(rng.integers(0, 31)) if contacted else 999
        rate = round(float(rng.normal(0, 1.5)), 1)
        age = "" if rng.random() < 0.2 else str(int(rng.integers(18, 80)))
        channel = str(rng.choice(["Google", " google ", "GOOGLE", "Direct", "Select", ""]))
        p = 0.15 + 0.5 * (not contacted) + 0.1 * (rate < 0) + 0.1 * ("oogle" in channel)
        rows.append([f"L{i}", str(pdays), str(rate), age, channel,
                     "yes" if rng.random() < p else "no"])
    path = tmp_path / "export.csv"
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(rows)
    spec_path = tmp_path / "spec.toml"
    spec_path.write_text(SPEC_TOML)
    return path, spec_path


def trained(path: Path, spec: FeatureSpec):
    frame, _ = read_crm_export(path, spec)
    model = train_model(frame, spec, TrainConfig(num_boost_round=60, early_stopping_rounds=60))
    return frame, ServingModel("parity", "1", "champion", model.booster, model.spec)


def offline_scores(model: ServingModel, frame) -> np.ndarray:
    """The offline model's prediction on the CSV frame, as training encodes it."""
    columns = {f.name: frame[f.name].tolist() for f in model.spec.features}
    matrix = FeatureEncoder(model.spec).encode_columns(columns, len(frame)).matrix
    return np.asarray(model.booster.inplace_predict(matrix), dtype=np.float64)


def served(model: ServingModel, docs: list[dict]) -> tuple[list[str], np.ndarray, dict]:
    """Scores of live JSON events through the scorer's intake, by lead id."""
    events = [RawEvent(json.dumps(d).encode(), "leads.incoming", 0, i)
              for i, d in enumerate(docs)]
    accepted, dead = Intake(model, 64 * 1024).accept(events, datetime.now(UTC))
    assert dead == [], [d.message for d in dead]
    ids = [lead.lead_id for lead in accepted.leads]
    return ids, model.predict(accepted.batch.matrix), accepted.batch.numeric


def live_events(path: Path, numeric: set[str], id_column: str) -> list[dict]:
    """Raw export rows as a CRM would send them: its column names, numbers as JSON numbers,
    text as it is, empty cells left out."""
    docs = []
    with path.open(newline="") as src:
        for row in csv.DictReader(src):
            doc = {"lead_id": row[id_column]}
            for key, cell in row.items():
                if key != id_column and cell.strip():
                    doc[key] = float(cell) if key in numeric else cell
            docs.append(doc)
    return docs


def test_csv_replay_and_live_json_score_like_the_offline_model(tmp_path: Path):
    path, spec_path = write_export(tmp_path)
    spec = load_spec(spec_path)
    frame, model = trained(path, spec)
    expected = dict(zip(frame.lead_id, offline_scores(model, frame), strict=True))

    replay_ids, replay_scores, _ = served(model, list(csv_events(path, spec_path)))
    live_ids, live_scores, live_numeric = served(
        model, live_events(path, NUMERIC_COLUMNS, "Lead Id"))

    assert len(frame) == 400 and replay_ids == live_ids == frame.lead_id.tolist()
    np.testing.assert_array_equal(replay_scores, [expected[i] for i in replay_ids])
    np.testing.assert_array_equal(live_scores, [expected[i] for i in live_ids])
    # independently of the model: 999 in the export is "not contacted", i.e. missing
    raw_pdays = [int(row["pdays"]) for row in csv.DictReader(path.open())]
    assert np.isnan(live_numeric["pdays"]).tolist() == [v == 999 for v in raw_pdays]
    assert not np.isnan(live_numeric["emp_var_rate"]).any()  # read from "emp.var.rate"


def test_the_test_would_see_999_scored_as_a_number(tmp_path: Path):
    """The skew this guards against changes scores: 999 kept as a value (with the range
    check off) scores differently from the model's view of it as missing."""
    path, spec_path = write_export(tmp_path)
    frame, model = trained(path, load_spec(spec_path))
    skewed = frame.assign(pdays=frame.pdays.fillna(999))
    columns = {f.name: skewed[f.name].tolist() for f in model.spec.features}
    matrix = FeatureEncoder(model.spec).encode_columns(columns, len(frame)).matrix
    assert not np.array_equal(model.booster.inplace_predict(matrix), offline_scores(model, frame))


@pytest.mark.skipif(not X_EDUCATION_CSV.is_file(), reason="X Education export not present")
def test_x_education_export_live_and_offline_agree(tmp_path: Path):
    spec = load_spec(X_EDUCATION_SPEC)
    sample = tmp_path / "x-education-sample.csv"
    sample.write_text("".join(X_EDUCATION_CSV.open().readlines()[:1501]))
    frame, model = trained(sample, spec)
    numeric = {f.column for f in spec.numeric}
    docs = [d for d in live_events(sample, numeric, "Prospect ID")
            if d["lead_id"] in set(frame.lead_id)]
    ids, scores, _ = served(model, docs)
    expected = dict(zip(frame.lead_id, offline_scores(model, frame), strict=True))
    assert len(ids) == len(frame) > 1000
    np.testing.assert_array_equal(scores, [expected[i] for i in ids])
