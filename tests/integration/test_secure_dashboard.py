"""The dashboard on the secured stack: as its own read-only ``dashboard`` principal it
reads every topic it shows (monitor samples included) and Redis; a principal without
those grants is refused with one clear error on the page instead of a silent empty one."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.control import MODELS_CONTROL, ServingConfig
from scoring.control.signing import sign
from streams.control.keys import load_private
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
    """The controller's signed configuration is shown; an unsigned one written after it
    (straight to the topic) is not, and is listed with the alerts."""
    base = secure_settings
    agents = secure_stack.as_("agents", base)
    topic = topic_name(base, MODELS_CONTROL)
    controller = load_private(agents.controller_key_path)
    for champion, sequence, signed in (("3", 1, True), ("9", 2, False)):
        value = ServingConfig(model_name=base.model_name, champion_version=champion,
                              sequence=sequence, actor="pytest",
                              updated_at=datetime.now(UTC)).model_dump_json().encode()
        headers = sign(controller, "controller", topic, base.model_name.encode(), value,
                       int(datetime.now(UTC).timestamp() * 1000)) if signed else None
        produce_one(agents, topic, base.model_name, value, headers=headers)
    feed, history = _feed(secure_stack.as_("dashboard", base), base.model_name)
    try:
        wait_until(lambda: feed.caught_up.is_set() or feed.error is not None, 60,
                   "the dashboard's feed reading every topic")
        assert feed.error is None
        wait_until(lambda: history.snapshot().lists["alerts"], 30, "the forged record listed")
        snap = history.snapshot()
        assert snap.serving[base.model_name]["champion_version"] == "3"
        (forged,) = snap.lists["alerts"]
        assert forged["kind"] == "forged_config" and "unsigned" in forged["message"]
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
