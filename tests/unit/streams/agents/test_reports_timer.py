"""The experiment-report timer survives Redis and Kafka errors: a skipped look per model."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import faust
import redis
from confluent_kafka import KafkaError, KafkaException

from schemas.control import ServingConfig
from streams.agents import reports
from streams.agents.metrics import metrics_for
from streams.settings import Settings

NOW = datetime(2025, 3, 1, tzinfo=UTC)


def config(model: str, mode: str = "ab") -> str:
    return ServingConfig(model_name=model, champion_version="1", challenger_version="2",
                         mode=mode, treatment_share=0.5 if mode == "ab" else 0.0,
                         experiment_id=f"e-{model}" if mode == "ab" else None,
                         salt="s" if mode == "ab" else None, sequence=1, actor="t",
                         updated_at=NOW).model_dump_json()


def test_redis_and_kafka_errors_skip_one_look_not_the_worker(monkeypatch):
    looked: list[str] = []

    def publish_look(settings, cfg):
        if cfg.model_name == "redis-down":
            raise redis.ConnectionError("Connection refused")
        if cfg.model_name == "kafka-down":
            raise KafkaException(KafkaError(KafkaError._TRANSPORT))
        looked.append(cfg.model_name)
        return type("R", (), {"experiment_id": "e", "recommendation": type(
            "Rec", (), {"value": "continue"})()})()

    monkeypatch.setattr(reports, "publish_look", publish_look)
    app = faust.App("test-reports", broker="kafka://127.0.0.1:1", store="memory://")
    settings = Settings(_env_file=None)
    configs = [("redis-down", config("redis-down")), ("kafka-down", config("kafka-down")),
               ("bad", "{not json"), ("ok", config("ok")), ("shadow", config("shadow", "shadow"))]
    done = asyncio.run(reports.report_all(app, settings, configs))
    assert looked == ["ok"] and done == 2  # ok looked, shadow has nothing to look at
    errors = {(s.labels["kind"]) : s.value for m in metrics_for(app).registry.collect()
              for s in m.samples if s.name == "leadstream_agent_timer_errors_total"}
    assert errors == {"redis": 1, "kafka": 1, "config": 1}
