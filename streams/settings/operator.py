"""What the commands an operator runs read (``train``, ``retrain``, ``spec check``,
``experiment``/``models`` changes, ``forget``): training gates and how long to wait."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field

from scoring.training_gates import MIN_NEGATIVES, MIN_POSITIVES, MIN_ROWS
from streams.settings.part import SettingsPart

if TYPE_CHECKING:
    from scoring.training import TrainConfig


class OperatorSettings(SettingsPart):
    """The feature spec and training gates; waits of the commands that ask the agents."""

    # --- training ----------------------------------------------------------------------
    spec_path: Path | None = None
    """Feature spec for training; ``None`` uses the packaged default spec."""
    train_min_rows: int = Field(MIN_ROWS, ge=50)
    """Fewest usable rows ``train`` and ``retrain`` accept."""
    train_min_positives: int = Field(MIN_POSITIVES, ge=10)
    """Fewest conversions they accept (Dynamics 365 asks for 40 of each outcome)."""
    train_min_negatives: int = Field(MIN_NEGATIVES, ge=10)
    """Fewest non-conversions they accept."""
    spec_leaky_names: str | None = None
    """Comma-separated feature names (or export columns) ``spec check`` warns about as
    likely target leakage, known only after the outcome, whatever their AUC (compared case-
    and punctuation-blind: ``Lead Quality`` is ``lead_quality``). Unset: ``duration``,
    ``tags``, ``lead_quality``, ``last_activity``, ``last_notable_activity``; empty: none."""

    # --- waits -----------------------------------------------------------------------------
    control_wait_s: float = Field(30.0, gt=0)
    """How long the CLI waits for the controller to apply a request."""
    forget_wait_s: float = Field(30.0, gt=0)
    """How long ``leadstream forget`` waits for the agents' erasure entry."""

    @property
    def leaky_names(self) -> tuple[str, ...]:
        if self.spec_leaky_names is None:
            from scoring.leakage import DEFAULT_LEAKY_NAMES  # pandas, scipy: not at every start

            return DEFAULT_LEAKY_NAMES
        return tuple(n.strip() for n in self.spec_leaky_names.split(",") if n.strip())

    def train_config(self, seed: int, refit: bool = False) -> TrainConfig:
        """The training configuration these settings ask for."""
        from scoring.training import TrainConfig

        return TrainConfig(seed=seed, refit=refit, min_rows=self.train_min_rows,
                           min_positives=self.train_min_positives,
                           min_negatives=self.train_min_negatives)
