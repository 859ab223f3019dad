"""The simulator's leads with outcomes: the same leads as without ``--outcomes``, and an
export's target column replayed as its outcomes; the CLI refuses options that need others."""

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from schemas.errors import LeadstreamError
from streams.cli.produce import produce
from streams.crm.outcomes import CHUNK, csv_leads, synthetic_leads
from streams.crm.traffic import csv_events, synthetic_events

ROWS = [("web_form", "software", "emea", "12", "55", "3", "2", "4", "yes"),
        ("referral", "finance", "apac", "300", "80", "9", "5", "1", "No"),
        ("event", "retail", "latam", "", "20", "0", "0", "40", "won"),
        ("partner", "other", "emea", "7", "35", "1", "1", "10", "maybe"),
        ("cold_outbound", "government", "north_america", "2", "5", "0", "0", "90", "0")]
COLUMNS = ["lead_source", "industry", "region", "company_size", "engagement_score",
           "website_visits", "email_opens", "days_since_first_contact", "Won"]


def test_synthetic_leads_are_the_leads_produce_sends_without_outcomes():
    n = CHUNK + 7  # across a chunk boundary
    shift = {"engagement_score": 0.5}
    paired = list(synthetic_leads(n, 3, shift, 0.2))
    assert [event for event, _ in paired] == list(synthetic_events(n, 3, shift))
    outcomes = [o for _, o in paired]
    quiet = sum(o is None for o in outcomes)
    assert 0.17 * n < quiet < 0.23 * n
    # the same seed draws the same outcomes; another seed other ones
    assert [o for _, o in synthetic_leads(n, 3, shift, 0.2)] == outcomes
    assert [o for _, o in synthetic_leads(n, 4, shift, 0.2)] != outcomes


def _export(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(ROWS)
    return path


def test_an_export_replays_its_target_column(tmp_path: Path):
    path = _export(tmp_path)
    paired = list(csv_leads(path, None, "Won", 0.0, seed=1))
    # "maybe" is no outcome: that row is not replayed; the others keep their row number
    assert [(e["lead_id"], o) for e, o in paired] == [
        ("row-1", True), ("row-2", False), ("row-3", True), ("row-5", False)]
    replayed = {e["lead_id"]: e for e in csv_events(path, None)}
    assert all(replayed[e["lead_id"]] == e for e, _ in paired)
    assert "company_size" not in paired[2][0]  # an empty cell stays absent
    assert [o for _, o in csv_leads(path, None, "Won", 1.0, seed=1)] == [None] * 4


def test_an_export_without_the_target_column_is_refused(tmp_path: Path):
    path = _export(tmp_path)
    with pytest.raises(LeadstreamError, match="converted"):
        list(csv_leads(path, None, None, 0.0, seed=1))


@pytest.mark.parametrize(("args", "message"), [
    (["--outcome-delay", "1"], "need --outcomes"),
    (["--quiet-share", "0.2"], "need --outcomes"),
    (["--target", "Won"], "--target needs --csv"),
    (["--outcomes", "--outcome-delay", "-1"], "x>=0"),
])
def test_options_that_need_others_are_refused(args, message):
    result = CliRunner().invoke(produce, args)
    assert result.exit_code == 2 and message in result.output
