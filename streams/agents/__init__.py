"""faust agents: the stateful, low-volume side of leadstream (control, outcomes, monitors).

The hot path (scoring) is a confluent-kafka batch loop in ``streams/scorer/loop.py``; see
design.md for why. Agents here run at-least-once and are idempotent, and read committed
records only (``committed``: the scorer writes its outputs in transactions);
``deadletters`` (per-record isolation) turns a bad record into its dead letter and a failed
timer tick into a skipped one; ``signature_gate`` lets through only control requests,
rollbacks and ``models.control`` records signed by a trusted key; ``metrics`` holds the
agents' Prometheus counters; ``alerts`` posts
leadstream's events to Prometheus Alertmanager; ``lag`` exports the agents' consumer lag;
``records`` reads a record's timestamp and sends every output through the one size check;
``progression`` is the controller's automatic canary progression, one decision per closed
window.
"""

__all__ = [
    "alerts", "app", "committed", "controller", "deadletters", "erasure", "lag", "metrics",
    "monitor", "outcomes", "progression", "records", "reports", "signature_gate",
]
