"""Every Prometheus metric leadstream defines, collected from the registries its processes
serve (scorer, sink, monitor agents, agents' guards, alert agent), as exposed: counters with
``_total``, histograms with ``_bucket``/``_sum``/``_count``."""

from __future__ import annotations

from prometheus_client import Metric

from streams.agents.metrics import AgentMetrics
from streams.alerting.client import AlertMetrics
from streams.monitor.metrics import MonitorMetrics
from streams.scorer.metrics import ScorerMetrics
from streams.sink.metrics import SinkMetrics

SOURCES = (ScorerMetrics, SinkMetrics, MonitorMetrics, AgentMetrics, AlertMetrics)


def families() -> dict[str, Metric]:
    """Family name → metric family, over every registry."""
    out: dict[str, Metric] = {}
    for source in SOURCES:
        for family in source().registry.collect():
            out[family.name] = family
    return out


def exposed_names() -> set[str]:
    """The series names a scrape shows (``_created`` aside)."""
    names = set()
    for family in families().values():
        if family.type == "counter":
            names.add(f"{family.name}_total")
        elif family.type == "histogram":
            names |= {f"{family.name}_{s}" for s in ("bucket", "sum", "count")}
        else:
            names.add(family.name)
    return names
