"""JSON-able dicts for the monitor agents' faust tables: windows, guardrail and drift state.

The pure cores keep their state in frozen dataclasses; faust tables store JSON. These
functions are the only translation, so a restart recovers exactly what was stored.
"""

from __future__ import annotations

from dataclasses import asdict

from monitors.guardrails import GuardState, RoleState
from monitors.windows import ModelWindows, Slot
from schemas.monitor import GuardrailLevel, ModelRole, MonitorSample


def windows_to_dict(state: ModelWindows) -> dict:
    return {
        "open": {str(start): {k: {"sample": s.sample.model_dump(mode="json"),
                                  "ids": list(s.sample_ids), "lag_ms": s.lag_ms}
                              for k, s in slots.items()}
                 for start, slots in state.open.items()},
        "max_event_ms": state.max_event_ms,
        "last_sample_wall_ms": state.last_sample_wall_ms,
        "closed_until_ms": state.closed_until_ms,
    }


def windows_from_dict(data: dict | None) -> ModelWindows:
    if not data:
        return ModelWindows()
    return ModelWindows(
        {int(start): {k: Slot(MonitorSample.model_validate(s["sample"]), tuple(s["ids"]),
                              s["lag_ms"])
                      for k, s in slots.items()}
         for start, slots in data["open"].items()},
        data["max_event_ms"], data["last_sample_wall_ms"], data["closed_until_ms"],
    )


def role_to_dict(state: RoleState) -> dict:
    return {
        "model_name": state.model_name, "role": state.role.value,
        "model_version": state.model_version, "last_rollback_ms": state.last_rollback_ms,
        "guards": {name: {**asdict(g), "level": g.level.value}
                   for name, g in state.guards.items()},
    }


def role_from_dict(data: dict) -> RoleState:
    guards = {name: GuardState(**{**g, "level": GuardrailLevel(g["level"])})
              for name, g in data["guards"].items()}
    return RoleState(data["model_name"], ModelRole(data["role"]), data["model_version"],
                     guards, data["last_rollback_ms"])
