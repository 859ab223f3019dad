"""The ledger's contract: what each scored lead was served (variant, version, score and the
feature values used), as stored in Redis for late outcomes and retraining; in shadow mode
also the challenger's version and its shadow score of the lead (unserved), so outcomes
label both models on the same leads."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from schemas.scored import Variant

FeatureValue = float | int | str | None
"""One feature value as the lead sent it (after validation), JSON-able."""


class LedgerEntry(BaseModel):
    """One scored lead as served (the value of its ledger key)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    lead_id: str
    model_name: str
    model_version: str
    variant: Variant
    experiment_id: str | None = None
    score: float
    features: dict[str, FeatureValue]
    scored_at: datetime
    event_id: str | None = None
    challenger_version: str | None = None
    """Shadow mode only: the challenger that also scored the lead, unserved."""
    challenger_score: float | None = None
    """Shadow mode only: the challenger's score of the lead (never published)."""
