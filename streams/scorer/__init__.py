"""The hot path: a confluent-kafka micro-batch loop (``loop``) that validates, serves and
publishes each batch in one transaction (``batch``, what it yields: ``batch_result``;
``records``; the scored part carried
as one object with its columns made once: ``lead_batch``; the ``leads.scored`` serializer:
``scored_json``, the ``scores.shadow`` one: ``shadow_json``; events that fail on their
own: ``isolation``, ``failed_events``; duplicate event ids: ``resends``; reason codes:
``explain``, ``reasons_text``, ``reasons_budget``; trends from the score history:
``trends``; the per-lead state read in one Redis call, on its own thread while the batch is scored:
``state_read``),
with its bookkeeping (``bookkeeping``: the batch's Redis state exact with the transaction —
history before it, taken back on an abort, history again and ledger rows after the commit,
sent while the next batch is scored — and its counts; ``metrics``: the Prometheus counters
and the progress line;
``run_bounds``: when a run stops, how a batch is taken from the consumer; per-stage batch
timings: ``timings``, summarised by ``stage_table``), a batch's offsets
(``offsets``: commit, seek back after an abort, rebalances), serving changes between
batches (``serving``, ``plans``), a start-up that needs no MLflow (``startup``; the
champion alias confirmed by MLflow in a child process: ``champion_probe``) and its
composition root (``build``).

May import the core, ``streams.kafka``, ``streams.stores``, ``streams.control``.
"""

__all__ = [
    "batch", "batch_result", "bookkeeping", "build", "champion_probe", "explain",
    "failed_events", "isolation",
    "lead_batch", "loop", "metrics", "offsets", "plans", "reasons_budget", "reasons_text",
    "records", "resends", "run_bounds", "scored_json", "serving", "shadow_json", "stage_table",
    "startup", "state_read", "timings", "trends",
]
