"""Consumer lag of the agents' group, exported like the scorer's and the sink's.

faust reads with aiokafka, not librdkafka, so :class:`~streams.kafka.lag.ConsumerLag` is fed
here from a faust sensor: every record an agent takes sets its partition's position (offset
+ 1) and its newest record time; a timer (every ``LAG_EVERY_S``) reads the consumer's high
watermark of each assigned partition (aiokafka's, as of its last fetch: no broker
round-trip) and sets ``leadstream_consumer_lag_records`` / ``_seconds`` with the group
``<consumer_group>-agents``. A partition no record came from yet is left out (unknown),
never reported as 0.
"""

from __future__ import annotations

import logging

import faust
from faust.sensors import Sensor
from faust.types import TP

from streams.agents.metrics import metrics_for
from streams.kafka.lag import ConsumerLag
from streams.settings import Settings

log = logging.getLogger(__name__)
LAG_EVERY_S = 5.0


class LagSensor(Sensor):
    """Positions and newest record times per partition, as faust hands records in."""

    def __init__(self, lag: ConsumerLag, **kwargs):
        super().__init__(**kwargs)
        self.lag = lag
        self.positions: dict[tuple[str, int], int] = {}

    def on_message_in(self, tp: TP, offset: int, message) -> None:
        self.positions[(tp.topic, tp.partition)] = offset + 1
        stamp = getattr(message, "timestamp", None)
        self.lag.took(tp.topic, tp.partition, int(stamp * 1000) if stamp else None)

    def rows(self, assigned, highwater) -> list[tuple[str, int, int | None, int | None]]:
        """``(topic, partition, position, high watermark)`` of the assigned partitions."""
        return [(tp.topic, tp.partition, self.positions.get((tp.topic, tp.partition)),
                 highwater(tp)) for tp in assigned]


def install(app: faust.App, settings: Settings) -> None:
    lag = metrics_for(app).lag
    sensor = LagSensor(lag)
    app.sensors.add(sensor)
    group = str(app.conf.id)

    @app.timer(interval=LAG_EVERY_S)
    async def export_lag() -> None:
        consumer = app.consumer
        try:
            lag.observe(group, sensor.rows(consumer.assignment(), consumer.highwater))
        except (KeyError, AttributeError, RuntimeError) as exc:  # not assigned yet
            log.debug("agents' lag not known yet: %s", type(exc).__name__)
