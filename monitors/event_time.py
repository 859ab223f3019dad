"""Event time you can trust: a time too far from the clock that read it is clock-skewed.

A CRM host with a wrong clock stamps its events hours or days off. Such an event is
scored, but its time must not drive the monitors' watermark: one event a day ahead would
make every genuine sample after it late. A time is trusted when it lies within
``[clock - past_ms, clock + future_ms]`` of the clock of whoever judges it (the scorer's
when it builds a sample, the sample's broker timestamp in the window agent).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_FUTURE_MS = 5 * 60 * 1000
DEFAULT_PAST_MS = 7 * 24 * 3600 * 1000


@dataclass(frozen=True)
class SkewTolerance:
    future_ms: int = DEFAULT_FUTURE_MS
    past_ms: int = DEFAULT_PAST_MS

    @classmethod
    def from_seconds(cls, future_s: float, past_s: float) -> SkewTolerance:
        return cls(round(future_s * 1000), round(past_s * 1000))

    def trusts(self, t_ms: float, clock_ms: float) -> bool:
        return clock_ms - self.past_ms <= t_ms <= clock_ms + self.future_ms


DEFAULT_SKEW = SkewTolerance()
"""The settings' defaults (``event_time_future_s`` 300 s, ``event_time_past_s`` 7 days)."""


def trusted_times(times_ms: np.ndarray, clock_ms: float,
                  tolerance: SkewTolerance = DEFAULT_SKEW) -> np.ndarray:
    """``times_ms`` with every clock-skewed time replaced by NaN (a float64 copy)."""
    t = np.asarray(times_ms, dtype=np.float64)
    ok = (t >= clock_ms - tolerance.past_ms) & (t <= clock_ms + tolerance.future_ms)
    return np.where(ok, t, np.nan)
