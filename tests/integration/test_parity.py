"""Train/serve parity on the real stack: a CRM export replayed with ``produce --csv`` and
the same rows sent as hand-built live JSON (the export's own column names and raw values)
are scored by a running scorer exactly as the offline model scores the CSV frame."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from schemas.spec import load_spec
from scoring.crm_export import read_crm_export
from scoring.model import ServingModel
from scoring.training import TrainConfig, train_model
from streams.cli import main
from streams.stack.children import LeadstreamProcess, settings_env
from tests.integration.helpers import Sent, produce, registry, wait_until
from tests.integration.serving_support import outputs, serving_settings
from tests.unit.scoring.test_parity import (
    NUMERIC_COLUMNS,
    live_events,
    offline_scores,
    write_export,
)


def test_produce_csv_and_live_json_score_like_the_offline_model(make_settings, tmp_path: Path):
    settings = serving_settings(make_settings, tmp_path)
    path, spec_path = write_export(tmp_path, n=300)
    spec = load_spec(spec_path)
    frame, _ = read_crm_export(path, spec)
    fitted = train_model(frame, spec, TrainConfig(num_boost_round=60, early_stopping_rounds=60))
    registry(settings).register(fitted, None, alias="champion")
    model = ServingModel("offline", "1", "champion", fitted.booster, fitted.spec)
    expected = dict(zip(frame.lead_id, offline_scores(model, frame), strict=True))
    live = [{**doc, "event_id": f"live-{doc['lead_id']}"}
            for doc in live_events(path, NUMERIC_COLUMNS, "Lead Id")]

    with LeadstreamProcess(["score"], settings, tmp_path / "scorer.log") as scorer:
        scorer.wait_consuming(settings)
        env = {k: v for k, v in settings_env(settings).items() if k.startswith("LEADSTREAM_")}
        replay = CliRunner(env=env).invoke(main, ["produce", "--csv", str(path), "--spec",
                                                  str(spec_path), "-n", "300"])
        assert replay.exit_code == 0, replay.output
        produce(settings, [Sent(d["lead_id"].encode(), json.dumps(d).encode(), None)
                           for d in live])
        wait_until(lambda: sum(map(len, outputs(settings))) >= 600, 90, "600 outputs")
    scored, dead = outputs(settings)
    assert dead == [] and len(scored) == 600
    by_path = {"csv": {}, "live": {}}
    for r in scored:
        by_path["live" if r["event_id"] else "csv"][r["lead_id"]] = r["score"]
    assert set(by_path["csv"]) == set(by_path["live"]) == set(expected)
    assert by_path["csv"] == by_path["live"]
    for lead_id, score in by_path["live"].items():
        assert abs(score - expected[lead_id]) < 1e-6, lead_id
    assert read_crm_export(path, spec)[0].pdays.isna().any()  # the 999 case was exercised
