"""The reference profile: how the training data looked, for the drift monitors to compare.

Fixed bins make every window's counts exactly additive: numeric features are cut at the
training deciles (plus a missing bin); categorical features keep the learned vocabulary plus
``__unseen__`` and ``__missing__``; scores are cut at fixed edges on [0, 1].

Bin convention for a numeric value ``x`` with interior ``edges`` (ascending, length B-1):
``numpy.searchsorted(edges, x, side="right")`` gives bins ``0..B-1``; NaN goes to bin ``B``
(the missing bin). ``proportions`` therefore has ``B + 1`` entries.
"""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

SCORE_EDGES: tuple[float, ...] = tuple(round(i / 20, 2) for i in range(1, 20))
"""Interior edges of the score histogram: 20 bins of width 0.05 on [0, 1]."""


class NumericProfile(BaseModel):
    model_config = ConfigDict(frozen=True)

    edges: tuple[float, ...] = Field(description="Interior cut points, ascending, unique.")
    proportions: tuple[float, ...] = Field(
        description="Share of training rows per bin; the last entry is the missing bin."
    )
    mean: float | None = None
    std: float | None = None


class CategoricalProfile(BaseModel):
    model_config = ConfigDict(frozen=True)

    categories: tuple[str, ...] = Field(
        description="Vocabulary, then '__unseen__', then '__missing__' (the bin order)."
    )
    proportions: tuple[float, ...]


class ScoreProfile(BaseModel):
    model_config = ConfigDict(frozen=True)

    edges: tuple[float, ...] = SCORE_EDGES
    proportions: tuple[float, ...]
    mean: float
    top_grade_share: float = Field(
        validation_alias=AliasChoices("top_grade_share", "hot_share"),
        description="Share of reference scores in the top grade (at or above its bound; "
                    "profiles stored by 0.1 call it hot_share).")


class ReferenceProfile(BaseModel):
    """Stored as ``reference_profile.json`` with each model version."""

    model_config = ConfigDict(frozen=True)

    spec_fingerprint: str
    n_rows: int = Field(gt=0)
    numeric: dict[str, NumericProfile]
    categorical: dict[str, CategoricalProfile]
    score: ScoreProfile
    importance: dict[str, float] | None = Field(
        default=None, description="Mean |contribution| to the log-odds per spec feature over "
        "the holdout rows (approximate, Saabas); None for versions registered before it.")
