"""Training runs as the CLI, the demo and retraining start them: data → model → reference
profile → MLflow version (``run``), and retraining on labelled leads from the ledger,
validated against the champion (``retrain``).

May import the core, ``streams.stores`` and ``streams.settings``.
"""

__all__ = ["retrain", "run"]
