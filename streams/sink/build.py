"""The sink's composition root: consumer, dead-letter producer, CRM client, format and the
delivered-score store, built from :class:`Settings`."""

from __future__ import annotations

import logging

import httpx
from confluent_kafka import Consumer, Producer

from schemas.errors import FatalError
from scoring.writeback.formats import FORMATS
from streams.settings import Settings
from streams.sink.forgotten import Forgotten
from streams.sink.http import CrmClient, request_url
from streams.sink.loop import Sink
from streams.sink.metrics import SinkMetrics
from streams.stores.delivered import Delivered
from streams.stores.erased import ErasedLeads
from streams.stores.ledger import redis_client

log = logging.getLogger(__name__)


def consumer_config(s: Settings) -> dict[str, str | int | bool]:
    """``leads.scored`` as the scorer committed it; offsets committed by the sink itself. A
    10 s session (librdkafka's default is 45 s) lets a restarted sink take over a killed
    one's partitions within seconds; its heartbeats run on librdkafka's own thread, so a
    slow CRM does not cost the sink its partitions (``max.poll.interval.ms`` does: 5 min)."""
    return {**s.kafka_config(), "group.id": s.sink_group, "isolation.level": "read_committed",
            "enable.auto.commit": False, "auto.offset.reset": "earliest",
            "enable.partition.eof": False, "session.timeout.ms": 10_000,
            "heartbeat.interval.ms": 2_000}


def producer_config(s: Settings) -> dict[str, str | int | bool]:
    return {**s.kafka_config(), "enable.idempotence": True, "linger.ms": 5}


def build_sink(s: Settings, metrics: SinkMetrics, max_records: int | None = None,
               idle_exit_s: float | None = None) -> Sink:
    if not s.sink_url:
        raise FatalError("no CRM to write to: set LEADSTREAM_SINK_URL (and "
                         "LEADSTREAM_SINK_FORMAT, LEADSTREAM_SINK_TOKEN)")
    try:
        url = httpx.URL(request_url(s.sink_url, "/"))
    except (httpx.InvalidURL, ValueError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise FatalError("LEADSTREAM_SINK_URL is not an http(s) URL")  # the URL unsaid
    token = s.sink_token.get_secret_value() if s.sink_token else None
    client = CrmClient(s.sink_url, token, s.sink_timeout_s, s.sink_max_attempts,
                       s.sink_backoff_s, s.sink_backoff_max_s)
    store = redis_client(s.redis_url, s.redis_timeout_s)
    delivered = Delivered(store, s.sink_delivered_ttl_days * 24 * 3600)
    forgotten = Forgotten(ErasedLeads.of(store, s), metrics.forgotten_skipped)
    hooks = {"logger": logging.getLogger("librdkafka")}
    return Sink(s, Consumer({**consumer_config(s), **hooks}),
                Producer({**producer_config(s), **hooks}), client, FORMATS[s.sink_format],
                delivered, metrics, max_records, idle_exit_s, forgotten)
