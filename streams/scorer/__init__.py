"""The hot path: a confluent-kafka micro-batch loop (``loop``) that validates, serves and
publishes each batch in one transaction (``batch``, ``records``), with its bookkeeping
(``book``, ``stats``, ``limits``), a batch's offsets (``offsets``: commit, seek back after an
abort, rebalances), serving changes between batches (``serving``, ``plans``), a start-up
that needs no MLflow (``startup``) and its composition root (``build``).

May import the core, ``streams.kafka``, ``streams.stores``, ``streams.control``.
"""

__all__ = [
    "batch", "book", "build", "limits", "loop", "offsets", "plans", "records", "serving",
    "startup", "stats",
]
