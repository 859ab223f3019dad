"""The shell around the pure core (``schemas``, ``scoring``, ``monitors``): everything that
touches Kafka, Redis, MLflow servers or processes, one package per concept.

May import the core and itself; the core never imports ``streams``. Only ``settings`` and
``json_text`` sit at the top, because every package uses them.
"""

__all__ = [
    "agents", "alerting", "cli", "control", "crm", "dashboard", "demo", "diagnose", "json_text",
    "kafka", "monitor", "redact", "scorer", "settings", "sink", "stack", "stores", "training",
]
