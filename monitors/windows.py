"""Event-time tumbling windows of monitor samples: assign, merge, and close by watermark.

Pure state in, state out (the faust agent keeps :class:`ModelWindows` in a table, one
per model name). A sample belongs to the window of its latest event time (its Kafka
timestamp when it has none). The **watermark** is the latest event time seen minus the
allowed lateness; a window ``[start, end)`` closes once the watermark reaches ``end``.
**Idle fallback**: when no sample has arrived for ``idle_ms`` of wall-clock time, event
time is taken to advance with the wall clock from the last sample on, so the last window
of a quiet stream closes about when it would have with traffic. A sample whose window is
already closed is late and not merged; a ``sample_id`` seen before in its window is a
redelivery and not merged again. **Clock skew**: a sample whose event times lie beyond
the skew tolerances around its broker timestamp (a CRM clock a day ahead) is merged by
that timestamp instead, its scored events counted as clock-skewed: an untrusted time
never moves the watermark. A sample whose counts cannot be read is invalid, not merged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from monitors.event_time import DEFAULT_SKEW, SkewTolerance
from monitors.sketches import WindowSample
from schemas.monitor import MonitorSample


class Outcome(StrEnum):
    MERGED = "merged"
    LATE = "late"
    DUPLICATE = "duplicate"
    INVALID = "invalid"


@dataclass(frozen=True)
class WindowConfig:
    length_ms: int
    lateness_ms: int
    idle_ms: int
    skew: SkewTolerance = DEFAULT_SKEW

    @classmethod
    def from_seconds(cls, length_s: float, lateness_s: float, idle_s: float,
                     skew: SkewTolerance | None = None) -> WindowConfig:
        return cls(round(length_s * 1000), round(lateness_s * 1000), round(idle_s * 1000),
                   skew or DEFAULT_SKEW)


@dataclass(frozen=True)
class Slot:
    """One model role/version in one open window: the merged sample and what fed it."""

    sample: MonitorSample
    sample_ids: tuple[str, ...] = ()
    lag_ms: int | None = None


@dataclass(frozen=True)
class ModelWindows:
    """Open windows of one model name (start → ``role|version`` → slot) and the clocks."""

    open: Mapping[int, Mapping[str, Slot]] = field(default_factory=dict)
    max_event_ms: int | None = None
    """Latest event time merged (a sample without event times counts its Kafka timestamp)."""
    last_sample_wall_ms: int | None = None
    closed_until_ms: int | None = None
    """Windows starting before this are closed; their samples are late."""


@dataclass(frozen=True)
class ClosedWindow:
    start_ms: int
    end_ms: int
    sample: WindowSample
    scorer_lag_ms: int | None
    reason: str
    """``watermark`` (event time passed the end) or ``idle`` (the wall-clock fallback)."""


def window_start(t_ms: int, length_ms: int) -> int:
    return t_ms - t_ms % length_ms


def slot_key(sample: MonitorSample) -> str:
    return f"{sample.role.value}|{sample.model_version}"


def add_sample(
    state: ModelWindows, sample: MonitorSample, received_ms: int, wall_ms: int,
    cfg: WindowConfig,
) -> tuple[ModelWindows, Outcome]:
    """Merge one sample into its window (or say why not)."""
    sample = untrusted_times_dropped(sample, received_ms, cfg.skew)
    try:
        WindowSample.from_contract(sample)
    except (KeyError, ValueError, OverflowError, TypeError):
        return state, Outcome.INVALID
    t = sample.event_time_max_ms if sample.event_time_max_ms is not None else received_ms
    start = window_start(t, cfg.length_ms)
    if state.closed_until_ms is not None and start < state.closed_until_ms:
        return state, Outcome.LATE
    slots = dict(state.open.get(start, {}))
    key = slot_key(sample)
    old = slots.get(key)
    lag = received_ms - t if sample.event_time_max_ms is not None else None
    if old is None:
        new = Slot(sample, _ids((), sample.sample_id), lag)
    elif sample.sample_id is not None and sample.sample_id in old.sample_ids:
        return state, Outcome.DUPLICATE
    else:
        try:
            merged = WindowSample.from_contract(old.sample).merge(
                WindowSample.from_contract(sample))
        except (KeyError, ValueError, OverflowError):
            return state, Outcome.INVALID
        new = Slot(merged.to_contract(), _ids(old.sample_ids, sample.sample_id),
                   _max(old.lag_ms, lag))
    slots[key] = new
    return replace(
        state, open={**state.open, start: slots},
        max_event_ms=_max(state.max_event_ms, t),
        last_sample_wall_ms=wall_ms,
    ), Outcome.MERGED


def untrusted_times_dropped(sample: MonitorSample, received_ms: int,
                            skew: SkewTolerance) -> MonitorSample:
    """``sample`` without its event times when they are clock-skewed against
    ``received_ms``; its events with a time then count as clock-skewed."""
    lo, hi = sample.event_time_min_ms, sample.event_time_max_ms
    if hi is None or (skew.trusts(hi, received_ms) and skew.trusts(lo or hi, received_ms)):
        return sample
    return sample.model_copy(update={"event_time_min_ms": None, "event_time_max_ms": None,
                                     "n_clock_skewed": sample.n_scored})


def watermark(state: ModelWindows, wall_ms: int, cfg: WindowConfig) -> tuple[int | None, bool]:
    """The watermark now, and whether the idle fallback advanced it."""
    if state.max_event_ms is None:
        return None, False
    mark = state.max_event_ms - cfg.lateness_ms
    last = state.last_sample_wall_ms
    idle = wall_ms - last if last is not None else 0
    if idle >= cfg.idle_ms:
        return mark + idle, True
    return mark, False


def close_due(
    state: ModelWindows, wall_ms: int, cfg: WindowConfig
) -> tuple[ModelWindows, list[ClosedWindow]]:
    """Close every open window whose end the watermark has reached, oldest first."""
    mark, idle = watermark(state, wall_ms, cfg)
    if mark is None:
        return state, []
    plain, _ = watermark(replace(state, last_sample_wall_ms=wall_ms), wall_ms, cfg)
    closed: list[ClosedWindow] = []
    still_open = dict(state.open)
    for start in sorted(state.open):
        end = start + cfg.length_ms
        if end > mark:
            break
        reason = "idle" if idle and plain is not None and end > plain else "watermark"
        for slot in state.open[start].values():
            closed.append(ClosedWindow(start, end, WindowSample.from_contract(slot.sample),
                                       slot.lag_ms, reason))
        del still_open[start]
    until = window_start(mark, cfg.length_ms) if mark >= 0 else None
    return replace(state, open=still_open,
                   closed_until_ms=_max(state.closed_until_ms, until)), closed


def _ids(ids: tuple[str, ...], new: str | None) -> tuple[str, ...]:
    return ids if new is None else (*ids, new)


def _max(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)
