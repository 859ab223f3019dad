"""The hot path: a confluent-kafka micro-batch loop (``loop``) that validates, serves and
publishes each batch in one transaction (``batch``, ``records``), with its bookkeeping
(``book``, ``stats``, ``limits``), serving changes between batches (``serving``, ``plans``),
exact replay of aborted batches (``replay``, ``reform``) and its composition root (``build``).

May import the core, ``streams.kafka``, ``streams.stores``, ``streams.control``.
"""

__all__ = [
    "batch", "book", "build", "limits", "loop", "plans", "records", "reform", "replay",
    "serving", "stats",
]
