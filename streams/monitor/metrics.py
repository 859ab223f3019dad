"""Prometheus metrics of the monitor agents, on a registry of their own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from schemas.monitor import GuardrailLevel, GuardrailReport, PerformanceReport, Severity

_LEVEL = {GuardrailLevel.HEALTHY: 0, GuardrailLevel.WARNING: 1, GuardrailLevel.CRITICAL: 2}
_SEVERITY = {Severity.INSUFFICIENT_DATA: -1, Severity.OK: 0, Severity.WARN: 1,
             Severity.CRITICAL: 2}
_DELAY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class MonitorMetrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = r = registry or CollectorRegistry()
        self.samples = Counter("leadstream_monitor_samples",
                               "monitor.samples records by outcome "
                               "(merged, late, duplicate, invalid, unreadable).",
                               ["outcome"], registry=r)
        self.windows_closed = Counter("leadstream_monitor_windows_closed",
                                      "Closed windows per model role/version, by what closed "
                                      "them (watermark or idle).", ["reason"], registry=r)
        self.close_delay = Histogram("leadstream_monitor_close_delay_seconds",
                                     "Wall time from window end + lateness to its reports.",
                                     buckets=_DELAY_BUCKETS, registry=r)
        self.rollbacks = Counter("leadstream_monitor_rollbacks", "Rollback events emitted.",
                                 ["model", "role", "guardrail"], registry=r)
        self.retrains = Counter("leadstream_monitor_retrain_triggers",
                                "Retrain triggers emitted.", ["model"], registry=r)
        self.errors = Counter("leadstream_monitor_errors",
                              "Errors handled without stopping (profile load, Redis).",
                              ["kind"], registry=r)
        self.guardrail = Gauge("leadstream_monitor_guardrail_level",
                               "Guardrail level (0 healthy, 1 warning, 2 critical).",
                               ["model", "role", "version", "guardrail"], registry=r)
        self.drift = Gauge("leadstream_monitor_drift_verdict",
                           "Window drift verdict (-1 insufficient, 0 ok, 1 warn, 2 critical).",
                           ["model", "role", "version"], registry=r)
        self.latency_p95 = Gauge("leadstream_monitor_latency_p95_seconds",
                                 "p95 scoring latency of the last closed window.",
                                 ["model", "role", "version"], registry=r)
        self.scored = Gauge("leadstream_monitor_window_scored",
                            "Leads scored in the last closed window.",
                            ["model", "role", "version"], registry=r)

    def window(self, drift: Severity, perf: PerformanceReport, guards: GuardrailReport) -> None:
        labels = (perf.model_name, perf.role.value, perf.model_version)
        self.drift.labels(*labels).set(_SEVERITY[drift])
        self.scored.labels(*labels).set(perf.n_scored)
        if perf.latency_p95_ms is not None:
            self.latency_p95.labels(*labels).set(perf.latency_p95_ms / 1000)
        for g in guards.guardrails:
            self.guardrail.labels(*labels, g.name).set(_LEVEL[g.level])

    def serve(self, port: int, addr: str = "127.0.0.1") -> None:
        start_http_server(port, addr=addr, registry=self.registry)
