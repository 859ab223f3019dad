"""Prometheus metrics of the scorer, on a registry of their own (served by ``--metrics-port``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from scoring.model import ServingModel

_BATCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ScorerMetrics:
    """Counters and histograms of one scorer process."""

    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.consumed = Counter("leadstream_scorer_consumed", "Lead events consumed.",
                                registry=r)
        self.scored = Counter("leadstream_scorer_scored", "Leads published to leads.scored.",
                              registry=r)
        self.dead_lettered = Counter("leadstream_scorer_dead_lettered",
                                     "Events published to leads.deadletter, by reason.",
                                     ["reason"], registry=r)
        self.batches = Counter("leadstream_scorer_batches", "Batches committed.", registry=r)
        self.aborted = Counter("leadstream_scorer_aborted_transactions",
                               "Batch transactions aborted (the batch is processed again).",
                               registry=r)
        self.redis_down = Counter("leadstream_scorer_redis_down",
                                  "Batches scored without de-duplication: Redis was down.",
                                  registry=r)
        self.consumer_errors = Counter("leadstream_scorer_consumer_errors",
                                       "Errors reported by the Kafka consumer, by code.",
                                       ["code"], registry=r)
        self.batch_seconds = Histogram("leadstream_scorer_batch_seconds",
                                       "Wall time of one batch: score, produce, commit.",
                                       buckets=_BATCH_BUCKETS, registry=r)
        self.model_seconds = Histogram("leadstream_scorer_model_seconds",
                                       "Model time of one batch (inplace_predict).",
                                       buckets=_BATCH_BUCKETS, registry=r)
        self.plan_swaps = Counter("leadstream_scorer_plan_swaps",
                                  "Serving plans applied between two batches.", registry=r)
        self.plan_load_failures = Counter("leadstream_scorer_plan_load_failures",
                                          "Serving configs whose models could not be loaded.",
                                          registry=r)
        self.ledger_missed = Counter("leadstream_scorer_ledger_missed",
                                     "Scored leads whose ledger entry was not written.",
                                     registry=r)
        self.shadow_failures = Counter("leadstream_scorer_shadow_failures",
                                       "Batches whose shadow challenger failed.", registry=r)
        self.replays = Counter("leadstream_scorer_replays",
                               "Aborted batches re-formed from their offset ranges.", registry=r)
        self.model_info = Gauge("leadstream_scorer_model_info",
                                "The serving model (1 for the one in use).",
                                ["name", "version", "alias"], registry=r)

    def serving(self, model: ServingModel) -> None:
        """Mark ``model`` as the one in use (and no other)."""
        self.model_info.clear()
        self.model_info.labels(model.name, model.version, model.alias).set(1)

    def serving_plan(self, models: list[ServingModel]) -> None:
        """Mark every model of the plan in use (champion, and challenger if any)."""
        self.model_info.clear()
        for model in models:
            self.model_info.labels(model.name, model.version, model.alias).set(1)

    def serve(self, port: int, addr: str = "127.0.0.1") -> None:
        """Expose ``/metrics`` over HTTP on ``addr:port`` (a daemon thread)."""
        start_http_server(port, addr=addr, registry=self.registry)
