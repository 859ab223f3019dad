"""The agents' Prometheus counters: what they skipped (dead letters, timer errors, refused
signatures and serving configs) and their consumer lag, on one registry per faust app
(served with the monitor agents' metrics on ``monitor_metrics_port``)."""

from __future__ import annotations

import weakref

import faust
from prometheus_client import CollectorRegistry, Counter

from streams.kafka.lag import ConsumerLag


class AgentMetrics:
    """Counters of what the agents skipped; one registry per app (served with the
    monitor agents' metrics on ``monitor_metrics_port``)."""

    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = r = registry or CollectorRegistry()
        self.deadletters = Counter("leadstream_agent_deadletters",
                                   "Input records an agent skipped, by topic and reason.",
                                   ["topic", "reason"], registry=r)
        self.deadletter_failures = Counter("leadstream_agent_deadletter_send_failures",
                                           "Dead letters that could not be published.",
                                           ["topic"], registry=r)
        self.timer_errors = Counter("leadstream_agent_timer_errors",
                                    "Timer ticks skipped on an error, by timer and kind.",
                                    ["timer", "kind"], registry=r)
        self.invalid_configs = Counter("leadstream_agent_invalid_serving_configs",
                                       "models.control records that failed validation.",
                                       registry=r)
        self.signature_refusals = Counter("leadstream_agent_signature_refusals",
                                          "Records refused for their signature (control "
                                          "requests; models.control records not signed by "
                                          "the controller), by topic and reason.",
                                          ["topic", "reason"], registry=r)
        self.lag = ConsumerLag(r)
        """The agents' consumer lag (:mod:`streams.agents.lag` feeds it)."""


_METRICS: weakref.WeakKeyDictionary[faust.App, AgentMetrics] = weakref.WeakKeyDictionary()


def metrics_for(app: faust.App) -> AgentMetrics:
    """The one :class:`AgentMetrics` of ``app``."""
    if app not in _METRICS:
        _METRICS[app] = AgentMetrics()
    return _METRICS[app]
