"""``scored_at`` as the sink reads it: the scorer host's clock, so it never orders scores.

One lead's scores are ordered by their position on ``leads.scored``
(:func:`~scoring.writeback.score.newest_per_lead`); a clock that steps back, or a partition
that moves to a scorer 60 s behind, must not make a newer score lose. ``scored_at`` only
refuses what no scorer could have stamped (:func:`absurd`): beyond the clock-skew tolerance
ahead of the sink's clock, or before :data:`FLOOR`. A time without an offset is UTC (never
the host's zone); year 1 and year 9999, with or without an offset, are compared without
ever converting out of range.
"""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.sink import SinkRejectReason

FLOOR = datetime(2000, 1, 1, tzinfo=UTC)
"""No score was made before this: earlier is a placeholder (``0001-01-01``, .NET's
``DateTime.MinValue``; ``1970-01-01``, Unix time 0) or a host whose clock was reset."""


def zoned(value: datetime) -> datetime:
    """``value`` with a time zone: a naive time is UTC. Never converts (never overflows)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def in_utc(value: datetime) -> datetime:
    """``value`` in UTC, or as it is (zoned) if it has no UTC form (``0001-01-01T00:00+01:00``
    is in year 0 in UTC, ``9999-12-31T23:00-05:00`` in year 10000)."""
    try:
        return zoned(value).astimezone(UTC)
    except OverflowError:
        return zoned(value)


def absurd(scored_at: datetime, now: datetime, future_s: float) -> SinkRejectReason | None:
    """Why no scorer could have stamped ``scored_at``, or None: more than ``future_s``
    ahead of ``now`` (``future_scored_at``) or before :data:`FLOOR` (``past_scored_at``).
    Aware times compare as instants, whatever their offsets, without conversion."""
    at = zoned(scored_at)
    if (at - now).total_seconds() > future_s:  # a timedelta spans years 1-9999: no overflow
        return SinkRejectReason.FUTURE_SCORED_AT
    if at < FLOOR:
        return SinkRejectReason.PAST_SCORED_AT
    return None


def explain(scored_at: datetime, reason: SinkRejectReason, future_s: float) -> str:
    """Why :func:`absurd` refused ``scored_at``, for its dead letter."""
    if reason is SinkRejectReason.FUTURE_SCORED_AT:
        return f"scored_at {scored_at.isoformat()} is more than {future_s:g} s ahead of " \
               "the sink's clock"
    return f"scored_at {scored_at.isoformat()} is before {FLOOR.date()}: no scorer stamped it"
