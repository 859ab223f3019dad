"""Redis adapters, one per structure: the ledger and its batch rows (``ledger``,
``ledger_rows``), event-id de-duplication (``dedup``), per-experiment outcome tallies
(``experiments``), label windows per model version (``labels``) and the latest monitor and
serving state (``state``). Each key has a TTL or a bound, documented in its module.

May import ``schemas``, ``scoring`` and ``streams.settings``; knows no Kafka.
"""

__all__ = ["dedup", "experiments", "labels", "ledger", "ledger_rows", "state"]
