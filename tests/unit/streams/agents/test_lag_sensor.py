"""The agents' consumer lag: faust hands records to the sensor, the timer's rows set the
same gauges as the scorer's (records = high watermark - (offset + 1) of the last record)."""

from __future__ import annotations

from types import SimpleNamespace

from faust.types import TP
from prometheus_client import CollectorRegistry

from streams.agents.lag import LagSensor
from streams.kafka.lag import ConsumerLag


def test_lag_from_the_records_faust_handed_in() -> None:
    registry, clock = CollectorRegistry(), [1_000.0]
    sensor = LagSensor(ConsumerLag(registry, clock=lambda: clock[0]))
    a, b, c = TP("t", 0), TP("t", 1), TP("t", 2)
    sensor.on_message_in(a, 41, SimpleNamespace(timestamp=990.0))
    sensor.on_message_in(b, 7, SimpleNamespace(timestamp=999.5))
    highs = {a: 142, b: 8, c: 5}
    sensor.lag.observe("g-agents", sensor.rows([a, b, c], highs.get))

    def value(name: str, partition: str) -> float | None:
        return registry.get_sample_value(name, {"group": "g-agents", "topic": "t",
                                                "partition": partition})

    assert value("leadstream_consumer_lag_records", "0") == 142 - 42
    assert value("leadstream_consumer_lag_seconds", "0") == 10.0
    assert value("leadstream_consumer_lag_records", "1") == 0
    assert value("leadstream_consumer_lag_seconds", "1") == 0.0
    assert value("leadstream_consumer_lag_records", "2") is None  # no record yet: unknown
