"""faust's Kafka transport with a ``read_committed`` consumer, for every agent.

The scorer writes ``monitor.samples`` (and ``leads.scored``) in Kafka transactions. faust
0.15 builds its aiokafka consumer with ``isolation_level="read_uncommitted"`` unless the
app runs in faust's own ``exactly_once`` mode, which has open bugs and which the agents do
not use (they run at-least-once and are idempotent). An uncommitted reader would see the
samples of aborted batches and count them.

:class:`ReadCommittedTransport` is faust's aiokafka transport whose consumer thread builds
the same consumer and then switches it to ``read_committed`` before it starts (aiokafka
hands the level to its fetcher in ``start()``). Nothing else of faust changes: commits,
tables and recovery stay at-least-once. One consumer serves all agents of a worker, so
every agent reads committed records only; on topics nobody writes transactionally
(``leads.outcomes``, the control topics, faust's own changelogs) that is the same as
before. Chosen over a separate confluent-kafka reader feeding the windows because it keeps
one consumer group, one offset-commit path and faust's rebalancing for the agents.

:func:`use_read_committed` installs it on an app; it must run before anything asks the app
for its transport (``build_app`` calls it right after creating the app).
"""

from __future__ import annotations

from typing import Any

import aiokafka
import faust
from faust.transport.drivers import aiokafka as faust_aiokafka

from schemas.errors import FatalError

ISOLATION = "read_committed"


class ReadCommittedConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        if getattr(consumer, "_isolation_level", None) not in ("read_uncommitted", ISOLATION):
            raise FatalError(f"aiokafka {aiokafka.__version__} no longer keeps the isolation "
                             "level where leadstream sets it: the agents cannot read "
                             "read_committed")
        consumer._isolation_level = ISOLATION  # read by AIOKafkaConsumer.start()
        return consumer


class ReadCommittedConsumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return ReadCommittedConsumerThread(self, loop=self.loop, beacon=self.beacon)


class ReadCommittedTransport(faust_aiokafka.Transport):
    Consumer = ReadCommittedConsumer


def use_read_committed(app: faust.App) -> None:
    """Make ``app`` consume through :class:`ReadCommittedTransport`."""
    app.transport = ReadCommittedTransport(app.conf.broker_consumer, app)

