"""A model ready to serve: the XGBoost booster with the spec and encoder it was trained with."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from schemas.errors import FatalError
from schemas.profile import ReferenceProfile
from schemas.spec import FeatureSpec
from scoring.booster import xgb
from scoring.features import FeatureEncoder


@dataclass(frozen=True)
class ServingModel:
    """One registered model version, loaded and checked, as the scorer uses it."""

    name: str
    version: str
    alias: str
    booster: xgb.Booster
    spec: FeatureSpec
    profile: ReferenceProfile | None = None
    run_id: str | None = None
    encoder: FeatureEncoder = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        encoder = FeatureEncoder(self.spec)
        n_model = self.booster.num_features()
        if n_model != len(encoder.feature_names):
            raise FatalError(
                f"model {self.name} v{self.version} expects {n_model} features but its spec "
                f"encodes {len(encoder.feature_names)}: the spec does not belong to the model"
            )
        object.__setattr__(self, "encoder", encoder)

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version} (@{self.alias})"

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """Probabilities for an encoded batch; one vectorised call, no DMatrix copy."""
        if matrix.shape[0] == 0:
            return np.empty(0, dtype=np.float32)
        return np.asarray(self.booster.inplace_predict(matrix), dtype=np.float64)
