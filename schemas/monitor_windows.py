"""Contract of the internal ``monitor.windows`` topic: what the window agent consumes.

The router agent forwards every valid ``monitor.samples`` record here (whatever partition
it came from) and a timer adds clock ticks, so one stream carries both and the window
state in the faust tables is only ever changed while processing a record. One partition:
every model's windows live on one worker, so merges are correct across partitions and
scorer processes. Keyed by model name (ticks: ``__tick__``).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from schemas.monitor import MonitorSample
from schemas.topics import DAY_MS, TopicSpec, register


class WindowInputKind(StrEnum):
    SAMPLE = "sample"
    TICK = "tick"


class WindowInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: WindowInputKind
    sample: MonitorSample | None = None
    received_ms: int = Field(description="Kafka timestamp of the sample (or tick wall time).")


MONITOR_WINDOWS = register(TopicSpec(
    "monitor.windows", "model_name", 1, WindowInput, {"retention.ms": str(DAY_MS)},
    "Internal: monitor samples re-keyed for the window agent, plus clock ticks.",
))
