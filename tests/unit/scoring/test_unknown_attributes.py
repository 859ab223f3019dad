"""Unknown attributes of live events: names sanitised and capped before they become a label,
at most 100 distinct names per process (the rest as ``__other__``), one warning per new
name per model, never a value; intake counts the names the spec does not know."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from scoring.intake import Intake, RawEvent
from scoring.unknown_attributes import (
    MAX_LABEL_CHARS,
    OTHER,
    UnknownAttributes,
    attribute_label,
)

SAFE = re.compile(r"[A-Za-z0-9_.\-?~]+")


@given(st.text(max_size=300))
def test_any_name_becomes_a_short_safe_label(name: str) -> None:
    label = attribute_label(name)
    assert 1 <= len(label) <= MAX_LABEL_CHARS and SAFE.fullmatch(label) and label != OTHER
    if re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", name) and name != OTHER:
        assert label == name  # a plain name is itself


def test_hostile_names_are_cut_and_masked() -> None:
    assert attribute_label("emp-var-rate") == "emp-var-rate"
    assert attribute_label("a\nb\x1b[31m c") == "a?b??31m?c"
    assert attribute_label("x" * 500) == "x" * 63 + "~"
    assert attribute_label("") == "?" and attribute_label(OTHER) == "?" + OTHER


def test_at_most_100_names_are_tracked_the_rest_count_as_other() -> None:
    tracker = UnknownAttributes()
    first = tracker.labelled({f"n{i:03}": 2 for i in range(60)})
    assert first == {f"n{i:03}": 2 for i in range(60)}
    second = tracker.labelled({f"n{i:03}": 1 for i in range(30, 150)})
    assert len(second) == 71 and second[OTHER] == 50  # n060..n099 join, n100.. do not
    assert sum(second.values()) == 120
    assert tracker.labelled({"n000": 1, "late": 4}) == {"n000": 1, OTHER: 4}


def test_one_warning_per_new_name_per_model_and_never_a_value(caplog) -> None:
    tracker = UnknownAttributes(max_names=2)
    with caplog.at_level(logging.WARNING, logger="scoring.unknown_attributes"):
        tracker.seen("m v1", {"emp-var-rate": 3})
        tracker.seen("m v1", {"emp-var-rate": 5, "Age\n": 1})
        tracker.seen("m v2", {"emp-var-rate": 1})
        tracker.seen("m v1", {"third": 1, "fourth": 2})
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 4, lines
    assert "'emp-var-rate'" in lines[0] and "m v1" in lines[0]
    assert "'Age?'" in lines[1] and "m v2" in lines[2]
    assert "more than 2 distinct names" in lines[3]


def test_intake_counts_the_names_its_spec_does_not_know(tiny_model) -> None:
    events = [{"lead_id": "L1", "event_id": "e1", "engagement_score": 50,
               "emp-var-rate": "SECRET-VALUE", "notes": {"deep": [1, 2]}},
              {"lead_id": "L2", "emp-var-rate": 1.1, "industry": "saas"},
              {"lead_id": "L3", "occurred_at": "2026-01-01T00:00:00Z"},
              {"lead_id": "", "typo": 1}]  # rejected: its unknown names are not counted
    raw = [RawEvent(json.dumps(e).encode(), "in", 0, i) for i, e in enumerate(events)]
    intake = Intake(tiny_model, 64 * 1024)
    accepted, rejected = intake.accept(raw, datetime.now(UTC))
    assert len(accepted.leads) == 3 and len(rejected) == 1
    assert intake.unknown(accepted.leads) == {"emp-var-rate": 2, "notes": 1}
    assert intake.unknown(accepted.leads[2:]) == {}
    lead = accepted.leads[0]
    assert lead.engagement_score == 50.0
    try:
        lead.notes  # noqa: B018 - an unknown key is no attribute of the lead
    except AttributeError:
        pass
    else:
        raise AssertionError("an unknown key became an attribute")
