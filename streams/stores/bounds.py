"""Every Redis key leadstream writes has a TTL, or belongs to one of these bounded sets.

:data:`BOUNDED_WITHOUT_TTL` lists the key patterns (``fnmatch`` style) that may live without
a TTL, each with what bounds it. Everything else is written with ``EX``/``EXPIRE``:

========================================  ====================================================
``leadstream:lead:<lead>``                the longest of the ledger, history and dedup TTLs,
                                          refreshed by every write; at most
                                          ``history_max_entries`` scores (each dropped
                                          ``history_ttl_days`` after it) and
                                          ``dedup_lead_max_events`` claims (each dropped
                                          ``dedup_ttl_s`` after it)
``leadstream:ledger:<lead>``              ledger TTL (the earlier layout: converted on the
                                          lead's next score, else gone with its TTL)
``leadstream:ledger-layout:<id>``         ledger TTL, refreshed with every batch
``leadstream:exp:<exp>:assigned:<v>``     ledger TTL, refreshed with every batch
``leadstream:exp:<exp>:leads|tally|report|progress``  ledger TTL after the last write
``leadstream:labels:<model>:<version>*``  ledger TTL after the version's last label; size
                                          ``monitor_label_window``
``leadstream:shadow-labels:<model>:<champion>:<challenger>*``  ledger TTL after the pair's
                                          last label; size ``monitor_label_window``
``leadstream:dedup-lead:<lead>``          ``dedup_ttl_s`` (the earlier layout, as above)
``leadstream:dedup:<event_id>``           ``dedup_ttl_s`` (claims of earlier releases only)
``leadstream:exp:index``                  ledger TTL, refreshed (one member per experiment)
``leadstream:labels-index``               ledger TTL, refreshed (one member per version)
``leadstream:sink:delivered:<lead>``      ``sink_delivered_ttl_days``, refreshed with each
                                          delivery; one field per partition
``leadstream:history:<lead>``             ``history_ttl_days`` (the earlier layout, as above)
``leadstream:outcomes:parked*``           ``outcome_park_ttl_s`` + 1 day; at most
                                          ``outcome_park_max`` outcomes
``leadstream:monitor:<model>``            30 days after the model's last closed window
``leadstream:monitor:<model>:recent``     30 days after the last closed window; at most 50
                                          windows
``leadstream:signed:<sha256>``            2 x ``control_signature_window_s`` + 60 s
``leadstream:erasure:applied:<request>``  ``erasure_replay_days``
``leadstream:erased:<hmac>``              ``lead_retention_days`` + 1 day
========================================  ====================================================

The integration test ``test_redis_bounds`` checks every key of a run against this.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

BOUNDED_WITHOUT_TTL: dict[str, str] = {
    "leadstream:serving:*": "one key per model name (the controller is the only writer)",
    "leadstream:monitor:models": "one member per model name",
    "leadstream:erased-key": "one key: the random key of forgotten leads' hashes",
}


def unbounded(key: str, ttl_s: int) -> bool:
    """True if ``key`` has no TTL (``ttl_s`` < 0) and is in no documented bounded set."""
    return ttl_s < 0 and not any(fnmatchcase(key, p) for p in BOUNDED_WITHOUT_TTL)
