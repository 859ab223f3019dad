"""The CRM's side of the stream, played by leadstream for demos and tests: lead
traffic and the outcomes of the leads it sends.

May import the core, ``streams.settings``, ``streams.kafka`` and the Kafka client; nothing
imports it but ``cli`` and ``demo``.
"""

__all__ = ["outcomes", "traffic", "treatment"]
