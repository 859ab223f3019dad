"""The control plane around the pure transitions of ``scoring.control``: the client side
that asks and reads (``client``; ``forget`` for erasure requests) and the controller's
side effects on MLflow (``controller``) and the confirm-webhooks that gate a canary's
automatic steps (``webhooks``).

May import the core, ``streams.kafka`` and ``streams.settings``.
"""

__all__ = [
    "client", "controller", "forget", "keys", "records", "webhooks",
]
