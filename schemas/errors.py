"""The small error hierarchy of leadstream, handled at the Kafka boundary.

Each class says what the boundary must do with it:

- :class:`RejectedEvent`: the event is bad; it goes to ``leads.deadletter`` with its reason.
  Any other exception met while handling one event becomes that event's dead letter too
  (``internal_error``), never a crash of the scorer.
- :class:`RetryableError`: the world is briefly wrong (a broker restart, a model being
  loaded); abort the open transaction and consume the batch again.
- :class:`FatalError`: configuration or programming error; stop the process loudly.

Nothing is ever swallowed: every ``except`` names one of these and acts on it.
"""

from __future__ import annotations

from enum import StrEnum


class RejectReason(StrEnum):
    """Why an incoming event was dead-lettered (stable codes, part of the contract)."""

    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    SCHEMA_VIOLATION = "schema_violation"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    DUPLICATE_EVENT = "duplicate_event"
    SCORING_FAILED = "scoring_failed"
    INTERNAL_ERROR = "internal_error"
    """A bug met while handling this event (the exception class and a short message, no
    lead values); the rest of its batch was scored."""


class LeadstreamError(Exception):
    """Root of every error leadstream raises on purpose."""


class RejectedEvent(LeadstreamError):
    """One event cannot be scored; it belongs in the dead-letter topic."""

    def __init__(self, reason: RejectReason, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.errors = errors or []


class RetryableError(LeadstreamError):
    """A transient failure: abort the transaction and process the batch again."""


class FatalError(LeadstreamError):
    """Configuration or programming error: stop the process with a clear message."""


class SpecError(FatalError):
    """The feature spec file is malformed or inconsistent."""


class ModelUnavailable(FatalError):
    """No model could be loaded: neither the registry nor the local cache has it."""
