"""The dashboard's feed: the monitor and model topics (``read_committed``, from their
beginning) and the Redis state, polled on a thread into :class:`History`.

Kafka records are read with :class:`~streams.kafka.reader.TopicReader`; the serving record
and the labelled scores (realized calibration, conversion by grade) come from Redis
(:mod:`streams.stores.status`, :mod:`streams.stores.labels`). A topic that cannot be read
yet is retried; Kafka refusing the principal (:class:`NotAuthorized`) stops the feed and
the pages show why. Only records keyed by the dashboard's model are kept. With
``control_signing = required`` a ``models.control`` record counts only when the controller
signed it (:class:`~streams.control.records.ControllerRecords`, as for ``status``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime

import redis
from confluent_kafka import KafkaException

from schemas.alerts import MODELS_ALERTS
from schemas.control import MODELS_AUDIT, MODELS_CONTROL, MODELS_ROLLBACK
from schemas.errors import LeadstreamError, RetryableError
from schemas.experiments import EXPERIMENTS_REPORTS
from schemas.monitor import MONITOR_DRIFT, MONITOR_GUARDRAILS, MONITOR_PERFORMANCE, MONITOR_SAMPLES
from schemas.retrain import MODELS_RETRAIN
from streams.control.records import ControllerRecords
from streams.dashboard.history import History
from streams.dashboard.labels import label_summary
from streams.kafka.auth import NotAuthorized
from streams.kafka.reader import Record, TopicReader
from streams.kafka.topics import topic_name
from streams.settings import Settings
from streams.stores.labels import LabelWindow
from streams.stores.status import read_state

log = logging.getLogger(__name__)

REPORTS = {MONITOR_DRIFT.name: "drift", MONITOR_PERFORMANCE.name: "performance",
           MONITOR_GUARDRAILS.name: "guardrails"}
LISTED = {MODELS_AUDIT.name: ("audit", "at"), MODELS_ALERTS.name: ("alerts", "at"),
          MODELS_ROLLBACK.name: ("rollbacks", "emitted_at"),
          MODELS_RETRAIN.name: ("retrain", "emitted_at"),
          EXPERIMENTS_REPORTS.name: ("experiments", "generated_at")}
SPECS = (MONITOR_DRIFT, MONITOR_PERFORMANCE, MONITOR_GUARDRAILS, MODELS_AUDIT, MODELS_ALERTS,
         MODELS_ROLLBACK, MODELS_RETRAIN, EXPERIMENTS_REPORTS, MODELS_CONTROL, MONITOR_SAMPLES)
REDIS_EVERY_S = 2.0


def iso_ms(text: str | None) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000) if text else 0


class Feed:
    def __init__(self, settings: Settings, model: str, history: History):
        self.settings, self.model, self.history = settings, model, history
        self.error: str | None = None
        self.caught_up = threading.Event()
        self._readers: dict[str, TopicReader] = {}
        self._ends: dict[str, dict[int, int]] = {}
        self._control = ControllerRecords(settings)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dashboard-feed", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        next_redis = 0.0
        try:
            while not self._stop.is_set():
                self._open_missing()
                got = sum(self._drain(name, reader) for name, reader in self._readers.items())
                if len(self._readers) == len(SPECS) and all(
                        r.reached(self._ends[name]) for name, r in self._readers.items()):
                    self.caught_up.set()  # every topic read up to its end at start
                if time.monotonic() >= next_redis:
                    self._read_redis()
                    next_redis = time.monotonic() + REDIS_EVERY_S
                if not got:
                    self._stop.wait(self.settings.dashboard_poll_s)
        except NotAuthorized as exc:
            self.error = str(exc)
            log.error("dashboard feed stopped: %s", exc)
        except Exception as exc:  # a bug: said on every page, not a silently dead thread
            self.error = f"the dashboard's feed stopped ({type(exc).__name__}); see its log"
            log.exception("dashboard feed stopped")
        finally:
            for reader in self._readers.values():
                reader.close()

    def _open_missing(self) -> None:
        for spec in SPECS:
            if spec.name in self._readers:
                continue
            try:
                reader = TopicReader(self.settings, topic_name(self.settings, spec),
                                     timeout_s=5)
            except NotAuthorized:
                raise
            except (KafkaException, RetryableError) as exc:
                log.warning("cannot read %s yet (%s); retrying", spec.name, exc)
                continue
            try:
                self._ends[spec.name] = reader.end_offsets()  # "caught up" = read to here
            except KafkaException as exc:
                reader.close()
                log.warning("cannot read %s's end offsets yet (%s); retrying", spec.name, exc)
                continue
            self._readers[spec.name] = reader

    def _drain(self, name: str, reader: TopicReader) -> int:
        """Keep the new records of one topic (registry ``name``); how many there were."""
        records = reader.poll(0.0, 5000)
        for r in records:
            keyed_by_model = name != EXPERIMENTS_REPORTS.name  # experiment id otherwise
            if not r.value or (keyed_by_model and r.key != self.model.encode()):
                continue
            if name == MODELS_CONTROL.name and self._refused(r):
                continue
            try:
                self._keep(name, json.loads(r.value))
            except (ValueError, KeyError, TypeError) as exc:  # not ours to fix: logged, skipped
                log.warning("skipped an unreadable record on %s at offset %d: %s",
                            name, r.offset, type(exc).__name__)
        return len(records)

    def _refused(self, rec: Record) -> bool:
        """A ``models.control`` record the controller did not sign (signing required): not
        the serving configuration; listed with the alerts instead."""
        refused = self._control.refusal(self._readers[MODELS_CONTROL.name].topic, rec)
        if refused is not None:
            self.history.add("alerts", {
                "at": None, "kind": "forged_config", "source": "control",
                "message": f"models.control record at offset {rec.offset} ignored, not the "
                           f"controller's ({refused.reason.value})"}, int(time.time() * 1000))
        return refused is not None

    def _keep(self, name: str, value: dict) -> None:
        if name in REPORTS:
            self.history.add_report(REPORTS[name], value)
        elif name in LISTED:
            kind, at = LISTED[name]
            if kind == "experiments" and value.get("model_name") != self.model:
                return
            self.history.add(kind, value, iso_ms(value.get(at)))
        elif name == MODELS_CONTROL.name:
            self.history.set_serving(self.model, value)
        elif name == MONITOR_SAMPLES.name:
            self.history.add_sample({k: value[k] for k in (
                "role", "model_version", "event_time_min_ms", "event_time_max_ms", "n_scored",
                "numeric", "categorical", "score_counts", "score_sum_micro")})

    def _read_redis(self) -> None:
        try:
            serving, _reports, _recent = read_state(self.settings.redis_url, 2.0, self.model)
            if serving and self.model not in self.history.snapshot().serving:
                self.history.set_serving(self.model, serving)
            client = redis.Redis.from_url(self.settings.redis_url, socket_timeout=2.0,
                                          socket_connect_timeout=2.0)
            try:
                window = LabelWindow(client, cap=0)
                for version in self._versions():
                    labels, scores = window.read(self.model, version)
                    self.history.set_labels(version, label_summary(
                        scores, labels, self.settings.grade_scale))
            finally:
                client.close()
            self.history.set_redis_ok(True)
        except (redis.RedisError, OSError, LeadstreamError) as exc:
            log.warning("Redis state unavailable: %s", type(exc).__name__)
            self.history.set_redis_ok(False)

    def _versions(self) -> list[str]:
        return sorted({v for _role, v in self.history.snapshot().latest["performance"]})
