"""The ops feed against services that are not there: both pages say so (no numbers), the
feed keeps polling, and the history is pushed only when something changed."""

from __future__ import annotations

from streams.dashboard.history import History
from streams.dashboard.ops import ops_panels
from streams.dashboard.ops_feed import OpsFeed
from streams.settings import Settings
from tests.support.alert_receivers import free_port


def test_nothing_listening_is_said_once_and_not_shown_as_numbers(caplog) -> None:
    port = free_port()  # closed again: nothing listens there
    s = Settings(_env_file=None, dashboard_prometheus_url=f"http://127.0.0.1:{port}",
                 dashboard_alertmanager_url=f"http://127.0.0.1:{port}")
    history = History(3600, 100)
    feed = OpsFeed(s, history)
    try:
        feed.poll_once()
        revision = history.revision
        feed.poll_once()
    finally:
        feed.prometheus.close()
        feed.alertmanager.close()
    assert history.revision == revision  # the same answer again: nothing pushed
    ops = history.snapshot().ops
    assert ops["prometheus"]["ok"] is False and ops["alertmanager"]["ok"] is False
    assert f"127.0.0.1:{port}" in ops["prometheus"]["error"]
    cards, charts, tables = ops_panels(ops["prometheus"])
    assert charts == [] and tables == [] and "unreachable" in cards[0]["lines"][0]
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2  # once per service, not once per poll
