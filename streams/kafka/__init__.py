"""Kafka plumbing shared by every process: client configs and message translation (``io``),
one batch = one transaction (``transaction``), small assign-only readers for the CLI and
the control plane (``reader``), idempotent topic creation from the registry (``topics``),
errors that only mean "not ready yet" (``transient``), refusals by the broker's ACLs
(``auth``), librdkafka's log lines through Python logging, benign retries at debug
(``client_log``), a consumer's lag as Prometheus gauges (``lag``) and the one size check of
every produced record, dead letters that fit included (``sizes``).

May import ``schemas``, ``scoring.intake`` and ``streams.settings``; knows no Redis.
"""

__all__ = ["auth", "client_log", "io", "lag", "reader", "sizes", "topics", "transaction",
           "transient"]
