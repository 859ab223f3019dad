"""CRM write-back, transport-free: scores in, CRM requests out, CRM answers read back.

``score`` turns ``leads.scored`` records into :class:`~scoring.writeback.score.WritebackScore`
and keeps the newest per lead (by position on ``leads.scored``); ``clock`` refuses times no
scorer could have stamped (``scored_at`` orders nothing); one module per CRM maps a batch to
its request and reads its answer (``webhook``, ``dynamics``, ``hubspot``, ``salesforce``);
``formats`` names them. Pure: no HTTP, no Kafka (the sink in ``streams/sink/`` sends and
commits). May import ``schemas``.
"""

__all__ = ["clock", "dynamics", "formats", "hubspot", "salesforce", "score", "webhook"]
