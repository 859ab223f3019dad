"""Alerts through the tools ops already run: Prometheus scrapes, Alertmanager routes.

leadstream writes no routing engine. Its processes announce their ``/metrics`` ports to the
local Prometheus (``scrape``: file-based service discovery), which evaluates the shipped
rules (``prometheus_rules.yaml``: scorer down, consumer lag growing, dead-letter rate); the
agents post leadstream's own events to Alertmanager's ``/api/v2/alerts``: ``alert`` (one
alert, its labels ``model``, ``version``, ``severity``, ``kind``), ``events`` (one-off
events: rollbacks, refusals, retrain triggers, sink failures, erasures refused),
``guardrails`` (guardrail states: firing while WARNING/CRITICAL, resolved when HEALTHY),
``notifier`` (what the agents call), ``client`` (httpx + tenacity, and its metrics).
"""

__all__ = ["alert", "client", "events", "guardrails", "notifier", "scrape"]
