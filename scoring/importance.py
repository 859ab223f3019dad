"""Feature importance at training: mean |contribution| to the log-odds per spec feature over
the holdout rows, stored with the reference profile (``ReferenceProfile.importance``), so
``diagnose`` can compare it with the importance in the reasons the scorer publishes
(:mod:`monitors.importance`).

Contributions are approximate (Saabas) like most published reasons, one thread, on at most
``max_rows`` holdout rows (a seeded sample beyond): 0.3-0.4 s for 5,000 rows of the default
model (20,000 training rows) on the loaded 2-core test machine, once per training.
"""

from __future__ import annotations

import numpy as np

from schemas.profile import ReferenceProfile
from scoring.features import FeatureEncoder
from scoring.reasons import Explainer, Method
from scoring.training import TrainedModel

MAX_ROWS = 5_000


def training_importance(trained: TrainedModel, method: Method = "approx",
                        max_rows: int = MAX_ROWS, seed: int = 0) -> dict[str, float]:
    """Mean |contribution| per spec feature over (a sample of) the holdout rows."""
    n = len(trained.holdout_scores)
    rows = (np.arange(n) if n <= max_rows else
            np.sort(np.random.default_rng(seed).choice(n, max_rows, replace=False)))
    columns = {name: np.asarray(values)[rows] for name, values in trained.holdout_columns.items()}
    encoder = FeatureEncoder(trained.spec)
    batch = encoder.encode_columns(columns, len(rows))
    explainer = Explainer(trained.booster, trained.spec, encoder.feature_names, k=0,
                          method=method, threads=1)
    folded = explainer.folded(batch.matrix)
    return {f.name: float(np.abs(folded[:, j]).mean()) if len(rows) else 0.0
            for j, f in enumerate(trained.spec.features)}


def with_importance(profile: ReferenceProfile, trained: TrainedModel) -> ReferenceProfile:
    """``profile`` with the training importance of ``trained``."""
    return profile.model_copy(update={"importance": training_importance(trained)})
