"""Metric names follow Prometheus' conventions: ``leadstream_`` prefix, snake case, base
units in the name (seconds, never ms), ``_total`` on counters only (prometheus_client adds
it: the name given must not carry it), and the README's names exist."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.metric_names import exposed_names, families

README = Path(__file__).resolve().parents[3] / "README.md"
NON_BASE_UNITS = re.compile(r"_(ms|msec|millis|milliseconds|us|micros|minutes|hours|days|"
                            r"kb|mb|kib|mib|percent|pct)(_|$)")


def test_names_are_prefixed_snake_case_in_base_units() -> None:
    bad = [n for n in families() if not re.fullmatch(r"leadstream_[a-z0-9_]+", n)
           or NON_BASE_UNITS.search(n)]
    assert bad == []


def test_total_only_on_counters_and_time_histograms_in_seconds() -> None:
    for name, family in families().items():
        assert not name.endswith("_total"), name  # the client adds _total to counters
        if family.type == "histogram":
            assert name.endswith("_seconds"), name
        if family.type == "gauge" and "latency" in name:
            assert name.endswith("_seconds"), name


def test_every_metric_the_readme_names_exists_as_a_scrape_shows_it() -> None:
    """(CRM field names such as ``leadstream_grade`` are no metrics.)"""
    named = set(re.findall(r"`(leadstream_(?:scorer|sink|monitor|agent|alerts|consumer)_"
                           r"[a-z0-9_]+)", README.read_text()))
    assert named and named - exposed_names() == set()
