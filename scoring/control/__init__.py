"""The controller's pure transition logic: serving configuration in, serving configuration out.

``streams.agents.controller`` translates Kafka records into calls of :func:`apply_request`
and :func:`apply_rollback` and publishes what they return, and a canary's automatic
decisions into :func:`~scoring.control.progress.apply_decision`; nothing here does I/O.

``state`` holds the control state (:class:`ControlState`: what the controller remembers per
model) and what one transition produces (:class:`Transition`, :class:`Refusal`);
``requests``, ``rollback`` and ``progress`` are the transitions; ``signing`` and
``key_table`` sign control-plane records and read the allow-list of signing keys.
"""

from scoring.control.requests import apply_request
from scoring.control.rollback import apply_rollback
from scoring.control.state import (
    ControlState,
    Refusal,
    RefusalKind,
    Transition,
    alias_targets,
)

__all__ = [
    "ControlState",
    "Refusal",
    "RefusalKind",
    "Transition",
    "alias_targets",
    "apply_request",
    "apply_rollback",
]
