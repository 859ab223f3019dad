"""The dashboard on the secured stack: as its own read-only ``dashboard`` principal it
reads every topic it shows (monitor samples included) and Redis; a principal without
those grants is refused with one clear error on the page instead of a silent empty one."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.control import MODELS_CONTROL, ServingConfig
from streams.dashboard.feed import Feed
from streams.dashboard.history import History
from streams.kafka.reader import produce_one
from streams.kafka.topics import topic_name
from tests.integration.helpers import wait_until


def _feed(settings, model: str) -> tuple[Feed, History]:
    history = History(86_400, 1000)
    feed = Feed(settings, model, history)
    feed.start()
    return feed, history


def test_the_dashboard_principal_reads_what_the_dashboard_shows(secure_stack, secure_settings):
    base = secure_settings
    config = ServingConfig(model_name=base.model_name, champion_version="3", sequence=1,
                           actor="pytest", updated_at=datetime.now(UTC))
    produce_one(secure_stack.as_("agents", base), topic_name(base, MODELS_CONTROL),
                base.model_name, config.model_dump_json().encode())
    feed, history = _feed(secure_stack.as_("dashboard", base), base.model_name)
    try:
        wait_until(lambda: feed.caught_up.is_set() or feed.error is not None, 60,
                   "the dashboard's feed reading every topic")
        assert feed.error is None
        wait_until(lambda: history.snapshot().serving.get(base.model_name) is not None, 30,
                   "the serving configuration on the dashboard")
        assert history.snapshot().serving[base.model_name]["champion_version"] == "3"
        wait_until(lambda: history.redis_ok is not None, 30, "Redis read")
        assert history.redis_ok is True  # the URL carries the stack's Redis ACL user
    finally:
        feed.stop()


def test_a_principal_without_the_grants_is_refused_with_a_clear_error(
        secure_stack, secure_settings):
    feed, _ = _feed(secure_stack.as_("sink", secure_settings),
                    secure_settings.model_name)
    try:
        wait_until(lambda: feed.error is not None, 60, "the refusal")
        assert "Kafka refused" in feed.error and "User:sink" in feed.error
        assert not feed.caught_up.is_set()
    finally:
        feed.stop()
