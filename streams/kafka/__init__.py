"""Kafka plumbing shared by every process: client configs and message translation (``io``),
one batch = one transaction (``transaction``), small assign-only readers for the CLI and
the control plane (``reader``), and idempotent topic creation from the registry (``topics``).

May import ``schemas``, ``scoring.intake`` and ``streams.settings``; knows no Redis.
"""

__all__ = ["io", "reader", "topics", "transaction", "transient"]
