"""What a scorer has done: its Prometheus counters (the one place they are kept, on a
registry of their own, served by ``--metrics-port``) and its INFO progress line.

:class:`ScorerMetrics` counts; :class:`Progress` only keeps time (first event, last event,
last commit, seconds busy) and reads its totals back from the counters, so nothing is
counted twice. The progress line is logged every ``LOG_EVERY_S`` while something happens
(never while idle) with the rate over that interval; the last line's "while busy" rate
divides by the seconds spent on batches (a batch that follows the previous commit within
``BUSY_GAP_S`` is busy from that commit), not by the idle time between bursts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from confluent_kafka import KafkaError
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from scoring.model import ServingModel
from streams.kafka.lag import ConsumerLag
from streams.scorer.timings import StageClock

log = logging.getLogger(__name__)

LOG_EVERY_S = 5.0
ERROR_LOG_EVERY_S = 5.0
BUSY_GAP_S = 1.0
"""A batch arriving sooner than this after the previous commit extends a busy stretch."""
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
        self.invalid_configs = Counter("leadstream_scorer_invalid_serving_configs",
                                       "models.control records that failed validation "
                                       "(ignored: the config in force stays).", registry=r)
        self.forged_configs = Counter("leadstream_scorer_unsigned_serving_configs",
                                      "models.control records not signed by the controller "
                                      "(ignored: the config in force stays), by reason.",
                                      ["reason"], registry=r)
        self.ledger_missed = Counter("leadstream_scorer_ledger_missed",
                                     "Scored leads whose ledger entry was not written.",
                                     registry=r)
        self.history_missed = Counter("leadstream_scorer_history_missed",
                                      "Scored leads whose history entry was not written.",
                                      registry=r)
        self.trend_unknown = Counter("leadstream_scorer_trend_unknown",
                                     "Scored leads published with a null trend: their "
                                     "history could not be read or has a gap.", registry=r)
        self.shadow_failures = Counter("leadstream_scorer_shadow_failures",
                                       "Batches whose shadow challenger failed.", registry=r)
        self.reasons_failed = Counter("leadstream_scorer_reasons_failed",
                                      "Model runs whose explainer failed: their scores were "
                                      "published without reasons, by role.", ["role"],
                                      registry=r)
        self.reasons_skipped = Counter("leadstream_scorer_reasons_skipped",
                                       "Model runs published without reasons: they would have "
                                       "exceeded LEADSTREAM_REASONS_BUDGET_MS per lead, by "
                                       "role.", ["role"], registry=r)
        self.reasons_downgraded = Counter(
            "leadstream_scorer_reasons_downgraded",
            "Leads whose grade asks for exact reasons (LEADSTREAM_REASONS_EXACT_GRADES) that "
            "got approximate ones: exact would have exceeded LEADSTREAM_REASONS_BUDGET_MS "
            "per lead, by grade.", ["grade"], registry=r)
        self.unknown_attributes = Counter(
            "leadstream_scorer_unknown_attributes",
            "Scored events carrying an attribute their spec does not know (not used for "
            "scoring: a misspelled feature is scored as missing), by sanitised name; at most "
            "100 names, the rest as __other__.", ["name"], registry=r)
        self.lag = ConsumerLag(r)
        self.stages = StageClock(r)
        self.model_info = Gauge("leadstream_scorer_model_info",
                                "The serving model (1 for the one in use).",
                                ["name", "version", "alias"], registry=r)

    def serving_plan(self, models: list[ServingModel]) -> None:
        """Mark every model of the plan in use (champion, and challenger if any)."""
        self.model_info.clear()
        for model in models:
            self.model_info.labels(model.name, model.version, model.alias).set(1)

    def serve(self, port: int, addr: str = "127.0.0.1") -> None:
        """Expose ``/metrics`` over HTTP on ``addr:port`` (a daemon thread)."""
        start_http_server(port, addr=addr, registry=self.registry)


def total(counter: Counter) -> int:
    """A counter's value summed over its labels."""
    return round(sum(s.value for m in counter.collect() for s in m.samples
                     if s.name.endswith("_total")))


@dataclass
class Progress:
    """When a scorer received and committed, and its totals as its counters hold them."""

    metrics: ScorerMetrics
    clock: Callable[[], float] = time.monotonic
    started: float = field(init=False)
    last_event: float = field(init=False)
    _last_log: float = field(init=False)
    first_event: float | None = None
    last_commit: float | None = None
    busy_s: float = 0.0
    _batch_started: float | None = None
    _last_log_totals: tuple[int, ...] = ()
    _error_logged: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.started = self.last_event = self._last_log = self.clock()

    @property
    def scored(self) -> int:
        return total(self.metrics.scored)

    @property
    def dead_lettered(self) -> int:
        return total(self.metrics.dead_lettered)

    @property
    def events(self) -> int:
        """Events committed: each one scored or dead-lettered."""
        return self.scored + self.dead_lettered

    def received(self, n: int) -> None:
        """``n`` events arrived (0: partitions were assigned, which restarts the idle clock)."""
        now = self.clock()
        if n and self.first_event is None:
            self.first_event = now
        if n and self._batch_started is None:
            joined = self.last_commit is not None and now - self.last_commit <= BUSY_GAP_S
            self._batch_started = self.last_commit if joined else now
        self.last_event = now

    def committed(self) -> None:
        now = self.clock()
        if self._batch_started is not None:
            self.busy_s += now - self._batch_started
            self._batch_started = None
        self.last_commit = now

    def idle_s(self) -> float:
        return self.clock() - self.last_event

    def consumer_error(self, err: KafkaError) -> None:
        """Log a transient consumer error, at most once per code every few seconds."""
        now = self.clock()
        if now - self._error_logged.get(err.code(), -1e9) >= ERROR_LOG_EVERY_S:
            self._error_logged[err.code()] = now
            log.warning("Kafka consumer error (librdkafka retries): %s", err)

    def rate(self) -> float:
        """Events per second while busy: committed events over the seconds spent on
        batches (idle stretches between bursts left out)."""
        return self.events / self.busy_s if self.busy_s > 0 else 0.0

    def maybe_log(self, redis_skipped: int) -> None:
        """The progress line, every ``LOG_EVERY_S`` if anything happened since the last
        one, with the events per second over that interval."""
        now = self.clock()
        if now - self._last_log < LOG_EVERY_S:
            return
        m = self.metrics
        totals = (self.events, total(m.batches), total(m.aborted), redis_skipped)
        before = self._last_log_totals or (0, 0, 0, 0)
        elapsed, self._last_log, self._last_log_totals = now - self._last_log, now, totals
        if totals != before:
            log.info("%s (%.0f/s)", self._totals(redis_skipped),
                     (totals[0] - before[0]) / elapsed)

    def log_summary(self, redis_skipped: int) -> None:
        log.info("stopped: %s (%.0f/s while busy)", self._totals(redis_skipped), self.rate())

    def _totals(self, redis_skipped: int) -> str:
        m = self.metrics
        return (f"{total(m.batches)} batches, {self.events} events: {self.scored} scored, "
                f"{self.dead_lettered} dead-lettered; {total(m.aborted)} aborted, "
                f"{redis_skipped} batches without dedup, {total(m.ledger_missed)} ledger entries "
                "missed")
