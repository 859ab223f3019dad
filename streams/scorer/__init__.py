"""The hot path: a confluent-kafka micro-batch loop (``loop``) that validates, serves and
publishes each batch in one transaction (``batch``, ``records``; events that fail on their
own: ``isolation``, ``culprits``; duplicate event ids: ``resends``; reason codes:
``explain``, ``reasons_text``, ``reasons_budget``; trends from the score history:
``trends``; the per-lead state read before scoring in one Redis call: ``state_read``),
with its bookkeeping (``book``, ``stats``, ``limits``; per-stage batch
timings: ``timings``, summarised by ``stage_table``), a batch's offsets
(``offsets``: commit, seek back after an abort, rebalances), serving changes between
batches (``serving``, ``plans``), a start-up that needs no MLflow (``startup``) and its
composition root (``build``).

May import the core, ``streams.kafka``, ``streams.stores``, ``streams.control``.
"""

__all__ = [
    "batch", "book", "build", "culprits", "explain", "isolation", "limits", "loop",
    "offsets", "plans", "reasons_budget", "reasons_text", "records", "resends", "serving",
    "stage_table", "startup", "state_read", "stats", "timings", "trends",
]
