"""``leadstream lead``'s table: grade when the record has one, else bucket; reasons when
present; outcome and unknown trends spelled out."""

from __future__ import annotations

from rich.console import Console

from streams.cli import lead


def render(docs: list[dict], width: int = 200) -> str:
    console = Console(width=width, record=True)
    lead.render(console, "L1", docs)
    return console.export_text()


BASE = {"scored_at": "2026-01-02T03:04:05Z", "model_version": "7", "variant": "treatment",
        "score": 0.8125, "previous_score": 0.5, "trend": "improving", "outcome": None}


def test_bucket_today_grade_and_reasons_once_the_record_has_them():
    today = render([{**BASE, "bucket": "Hot"}])
    assert "Hot" in today and "v7" in today and "treatment" in today
    assert "0.812" in today and "0.500" in today and "improving" in today
    later = render([{**BASE, "bucket": "Hot", "grade": "A", "reasons": [
        {"feature": "engagement_score", "label": "Engagement score", "direction": "+"},
        {"feature": "bounced", "direction": "-"}]}])
    assert " A " in later and "Hot" not in later
    assert "+Engagement score, -bounced" in later


def test_unknown_trend_and_outcomes():
    text = render([{**BASE, "bucket": "Cold", "trend": None, "previous_score": None,
                    "outcome": {"converted": True, "occurred_at": "2026-01-03T00:00:00"}},
                   {**BASE, "bucket": "Cold", "trend": "new",
                    "outcome": {"converted": False, "occurred_at": "2026-01-03T00:00:00"}}])
    assert "unknown" in text and "new" in text
    assert "converted" in text and "not converted" in text
    assert "2 score(s), newest first" in text


def test_below_120_columns_one_block_per_score_nothing_cut():
    doc = {**BASE, "bucket": "Hot", "reasons": [{"label": "Engagement score", "direction": "+"}],
           "outcome": {"converted": False, "occurred_at": "2026-01-03T00:00:00"}}
    text = render([doc], width=80)
    lines = text.splitlines()
    assert all(len(line.rstrip()) <= 80 for line in lines)
    assert "2026-01-02 03:04:05Z  v7 treatment  0.812 Hot  improving (from 0.500)" in text
    assert "    reasons: +Engagement score" in text and "    outcome: not converted" in text
    assert "…" not in text


def test_event_id_and_source_position_tell_two_scores_of_one_second_apart():
    docs = [{**BASE, "grade": "B", "event_id": "evt-2", "source_partition": 3,
             "source_offset": 1042},
            {**BASE, "grade": "B", "event_id": "evt-1", "source_partition": 3,
             "source_offset": 1041},
            {**BASE, "grade": "B"}]  # a record without them
    for width in (200, 80):
        text = render(docs, width)
        assert "evt-2" in text and "evt-1" in text
        assert "3/1042" in text and "3/1041" in text
    narrow = render(docs, 80)
    assert "event evt-2, incoming partition/offset 3/1042" in narrow
    assert "event -, incoming partition/offset -" in narrow


def test_a_forgotten_leads_scores_from_before_its_erasure_are_not_shown():
    erased_ms = 1_767_323_045_000  # 2026-01-02T03:04:05Z
    docs = [{**BASE, "scored_at": at} for at in (
        "2026-01-02T03:04:06Z", "2026-01-02T03:04:05Z", "2026-01-02T03:04:05.001+00:00",
        "2026-01-02T03:04:06", "2026-01-02T04:04:04+01:00", "0001-01-01T00:00:00",
        "not a time", None)]
    kept = lead.after_erasure(docs, erased_ms)
    assert [d["scored_at"] for d in kept] == [
        "2026-01-02T03:04:06Z", "2026-01-02T03:04:05.001+00:00", "2026-01-02T03:04:06"]
    assert lead.after_erasure(docs, None) == docs  # never forgotten: all of them


def _entries(scores: list[float]) -> list[dict]:
    return [{"source_partition": 0, "source_offset": 10 - i, "score": s, "grade": "B",
             "model_version": "1", "scored_at": "2026-01-02T03:04:05Z"}
            for i, s in enumerate(scores)]


def test_compact_entries_get_their_trend_from_the_entry_before():
    got = lead.with_trends(_entries([0.7, 0.4, 0.38]), 0.05, 20, "m")
    assert [d["previous_score"] for d in got] == [0.4, 0.38, None]
    assert [d["trend"] for d in got] == ["improving", "steady", "new"]
    assert {d["model_name"] for d in got} == {"m"}
    full = lead.with_trends(_entries([0.2, 0.3]), 0.05, 2, "m")  # older ones pushed out
    assert [d["trend"] for d in full] == ["declining", None]
    assert "unknown" in render([{**d, "outcome": None} for d in full])
