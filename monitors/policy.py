"""The declarative guardrail policy: per metric, thresholds, direction, patience and action.

A policy file (TOML) has top-level defaults and one ``[[guardrail]]`` table per guardrail::

    clean_windows = 3          # windows in a row without breach before HEALTHY again
    cooldown_s = 600           # no second rollback of a model version within this time

    [[guardrail]]
    name = "model_error_rate"
    metric = "error_rate"      # key in the window metrics the caller supplies
    direction = "above"        # breach when value > threshold ("below": value < threshold)
    warn = 0.01
    critical = 0.05
    min_samples = 100          # fewer samples behind the metric: no judgement this window
    consecutive = 1            # windows in a row at a level before the guardrail enters it
    action = "rollback"        # or "alert"

``None`` loads the packaged ``monitors/default_guardrails.toml``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from enum import StrEnum
from importlib import resources
from pathlib import Path

from schemas.errors import FatalError
from schemas.monitor import GuardrailLevel


class PolicyError(FatalError):
    """The guardrail policy file is malformed or inconsistent."""


class Action(StrEnum):
    ALERT = "alert"
    ROLLBACK = "rollback"


class Direction(StrEnum):
    ABOVE = "above"
    BELOW = "below"


@dataclass(frozen=True)
class Guardrail:
    name: str
    metric: str
    warn: float
    critical: float
    direction: Direction = Direction.ABOVE
    min_samples: int = 0
    consecutive: int = 1
    action: Action = Action.ALERT
    cooldown_s: float = 600.0
    clean_windows: int = 3

    def __post_init__(self) -> None:
        object.__setattr__(self, "direction", Direction(self.direction))
        object.__setattr__(self, "action", Action(self.action))
        sign = 1 if self.direction is Direction.ABOVE else -1
        if sign * (self.critical - self.warn) < 0:
            raise PolicyError(f"{self.name}: critical must be at least as strict as warn")
        if self.consecutive < 1 or self.clean_windows < 1 or self.min_samples < 0:
            raise PolicyError(f"{self.name}: consecutive and clean_windows must be >= 1")

    def observe(self, value: float) -> GuardrailLevel:
        """The level a single window's value reaches, before any patience rule."""
        def breaches(threshold: float) -> bool:
            if self.direction is Direction.ABOVE:
                return value > threshold
            return value < threshold

        if breaches(self.critical):
            return GuardrailLevel.CRITICAL
        return GuardrailLevel.WARNING if breaches(self.warn) else GuardrailLevel.HEALTHY


@dataclass(frozen=True)
class GuardrailPolicy:
    guardrails: tuple[Guardrail, ...]

    def __post_init__(self) -> None:
        names = [g.name for g in self.guardrails]
        if len(set(names)) != len(names):
            raise PolicyError(f"duplicate guardrail names in {names}")


_KNOWN = {f.name for f in fields(Guardrail)}
_DEFAULTS = {"cooldown_s", "clean_windows", "min_samples", "consecutive"}


def parse_policy(raw: dict) -> GuardrailPolicy:
    """A policy from the parsed TOML document (top-level keys are defaults)."""
    defaults = {k: v for k, v in raw.items() if k in _DEFAULTS}
    unknown = set(raw) - _DEFAULTS - {"guardrail"}
    if unknown:
        raise PolicyError(f"unknown policy keys: {sorted(unknown)}")
    out = []
    for table in raw.get("guardrail", []):
        bad = set(table) - _KNOWN
        if bad:
            raise PolicyError(f"guardrail {table.get('name')}: unknown keys {sorted(bad)}")
        try:
            out.append(Guardrail(**{**defaults, **table}))
        except (TypeError, ValueError) as exc:
            raise PolicyError(f"guardrail {table.get('name')}: {exc}") from exc
    return GuardrailPolicy(tuple(out))


def load_policy(path: str | Path | None = None) -> GuardrailPolicy:
    """Read a policy file; ``None`` gives the packaged default policy."""
    if path is None:
        text = resources.files("monitors").joinpath("default_guardrails.toml").read_text()
    else:
        p = Path(path)
        if not p.is_file():
            raise PolicyError(f"guardrail policy not found: {p}")
        text = p.read_text()
    try:
        return parse_policy(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"cannot parse guardrail policy: {exc}") from exc
