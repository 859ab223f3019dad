"""``leadstream diagnose``: gathers what the system already knows about a model, read-only,
into the core's :class:`monitors.evidence.Evidence` and hands it to
:func:`monitors.diagnosis.diagnose`.

``readers`` reads the topics (recent records, the newest record's age, a consumer group's
lag) and never joins a group; ``topic_evidence`` turns them into the evidence Kafka holds
(input freshness, recent dead letters, sink failures and ``models.alerts``, importance in
the scored leads' reasons, the consumer groups' liveness and lag); ``collect`` adds the
monitor state in Redis (or the monitor topics), the reference profile and the labelled
scores, and offers :func:`collect.diagnosis_report`, the one call the CLI and the
dashboard share. May import the core, ``streams.kafka``,
``streams.stores``, ``streams.stack``, ``streams.settings`` and ``streams.cli.status``.
"""

__all__ = ["collect", "readers", "topic_evidence"]
