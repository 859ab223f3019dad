"""Redis adapters, one per structure: the ledger and its batch rows (``ledger``,
``ledger_rows``), event-id de-duplication (``dedup``), each lead's published scores
(``history``), per-experiment outcome tallies
(``experiments``), label windows per model version (``labels``), outcomes waiting for their
score (``parked``), the sink's newest delivered score per lead (``delivered``) and the latest
monitor and serving state (``state``). Each key has a TTL or a bound, documented in its
module; ``bounds`` names the few bounded keys kept without a TTL.

May import ``schemas``, ``scoring`` and ``streams.settings``; knows no Kafka.
"""

__all__ = [
    "bounds", "dedup", "dedup_lua", "delivered", "erasure", "experiments", "history",
    "labels", "ledger", "ledger_rows", "parked", "signatures", "state",
]
