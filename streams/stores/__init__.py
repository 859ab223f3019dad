"""Redis adapters, one per structure: each lead's state in one key (``lead_state``: the
ledger row, the score history and the event-id claims), the ledger, its batch rows and their compact
encoding (``ledger``, ``ledger_rows``, ``ledger_codec``), event-id de-duplication
(``dedup``), each lead's published scores (``history``), per-experiment outcome tallies
(``experiments``), label windows per model version (``labels``) and of a shadow
challenger's scores beside the champion's (``shadow_labels``), outcomes waiting for their
score (``parked``), the sink's newest delivered score per lead (``delivered``) and the latest
monitor reports and serving configuration that ``status`` and the dashboard show
(``status``); erasing a lead (``erasure``), the forgotten leads'
keyed hashes (``erased``), the applied erasure requests (``erasure_requests``), and the
rewrite of Redis's persistence files after an erasure (``persistence``); accepted
signatures (``signatures``); waiting out a Redis outage (``retry``); Lua scripts sent
with other commands in one round trip (``scripts``). Each key has a TTL
or a bound, documented in its module; ``bounds`` names the few bounded keys kept without a TTL.

May import ``schemas``, ``scoring`` and ``streams.settings``; knows no Kafka.
"""

__all__ = [
    "bounds", "dedup", "dedup_lua", "delivered", "erased", "erasure", "erasure_requests",
    "experiments", "history", "labels", "lead_state", "ledger", "ledger_codec", "ledger_rows",
    "parked", "persistence", "retry", "scripts", "shadow_labels", "signatures", "status",
]
