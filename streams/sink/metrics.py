"""Prometheus metrics of the sink, on a registry of their own (``--metrics-port``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, start_http_server

from streams.kafka.lag import ConsumerLag


class SinkMetrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.consumed = Counter("leadstream_sink_consumed", "Records read from leads.scored.",
                                registry=r)
        self.delivered = Counter("leadstream_sink_delivered",
                                 "Scores the CRM accepted (newest per lead and batch).",
                                 registry=r)
        self.superseded = Counter("leadstream_sink_superseded",
                                  "Scores not sent: a newer score of the lead was sent.",
                                  registry=r)
        self.dead_lettered = Counter("leadstream_sink_dead_lettered",
                                     "Records sent to sink.deadletter, by reason.", ["reason"],
                                     registry=r)
        self.requests = Counter("leadstream_sink_requests", "CRM requests answered.",
                                registry=r)
        self.crm_retries = Counter("leadstream_sink_crm_retries",
                                   "CRM tries that failed transiently (429, 5xx, timeouts).",
                                   registry=r)
        self.crm_unavailable = Counter("leadstream_sink_crm_unavailable",
                                       "Batches held back: the CRM failed every try.",
                                       registry=r)
        self.redis_down = Counter("leadstream_sink_redis_down",
                                  "Batches whose delivered scores Redis could not record.",
                                  registry=r)
        self.lag = ConsumerLag(r)
        self.forgotten_skipped = Counter("leadstream_sink_forgotten_skipped",
                                         "Scores of forgotten leads not sent: records from "
                                         "before their erasure, still in leads.scored.",
                                         registry=r)

    def serve(self, port: int, addr: str = "127.0.0.1") -> None:
        start_http_server(port, addr=addr, registry=self.registry)
