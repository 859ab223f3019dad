"""The CRM write-back sink (``leadstream sink``): ``leads.scored`` → a CRM over HTTP(S).

``loop`` consumes, keeps the newest score per lead, delivers and commits; ``deliver``
chunks a batch and narrows the CRM's refusals down to single leads; ``http`` sends with
retries (429 ``Retry-After``, 5xx, timeouts); ``forgotten`` skips forgotten leads' old
records; ``metrics``; ``build`` is the composition root.
The payloads are the pure ``scoring.writeback``. May import the core, ``streams.kafka``,
``streams.stores`` and ``streams.settings``.
"""

__all__ = ["build", "deliver", "forgotten", "http", "loop", "metrics"]
