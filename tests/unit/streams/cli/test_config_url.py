"""``leadstream config`` shows a CRM URL without the key in its query."""

from __future__ import annotations

from streams.cli.config import rows
from streams.settings import Settings


def test_the_sink_url_is_shown_with_its_query_values_masked() -> None:
    s = Settings(_env_file=None, sink_url="https://crm.example/hooks?api_key=qs-SECRET-9999")
    shown = {env: current for env, _, current, _ in rows(s)}
    assert shown["LEADSTREAM_SINK_URL"] == "https://crm.example/hooks?api_key=***"
    assert not any("qs-SECRET-9999" in value for value in shown.values())
