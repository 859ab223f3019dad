"""What a scorer serves: a serving configuration with its loaded models, applied to a batch.

A :class:`ServingPlan` is one :class:`~schemas.control.ServingConfig` (or none: the
champion alias alone) with the champion and, when the mode needs one, the challenger, both
loaded. :func:`serve` routes an accepted batch (:func:`scoring.routing.route_batch`) and
scores it, vectorised: the champion predicts its rows and the challenger its rows in
canary/A/B; in shadow mode both predict every row and only the champion's scores are served.

A challenger failing in the shadow costs its comparisons, never a served score
(:attr:`ServedBatch.shadow_error`); a model failing on rows it serves raises
:class:`ModelFailed`, which the boundary turns into ``scoring_failed`` dead letters. A
score that is not a finite number (NaN, ±inf) is such a failure (:class:`NonFiniteScore`):
the scorer's isolation narrows it down to the leads whose score it is, and only they are
dead-lettered, with the reason in the message; a lead never gets a grade for it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from schemas.control import ServingConfig, ServingMode
from schemas.errors import FatalError
from schemas.leads import IncomingLead
from schemas.monitor import ModelRole
from schemas.scored import Variant
from scoring.features import EncodedBatch
from scoring.model import ServingModel
from scoring.routing import BatchRoute, route_batch


class ModelFailed(Exception):
    """A model raised on rows it serves; the batch is dead-lettered as ``scoring_failed``."""

    def __init__(self, role: ModelRole, model: ServingModel, cause: Exception):
        super().__init__(f"{role.value} {model.label} failed: {cause!r}")
        self.role = role
        self.model = model


class NonFiniteScore(ValueError):
    """A model returned NaN or an infinite score: those leads are not served."""


@dataclass(frozen=True)
class ServingPlan:
    """A configuration and the models it names, loaded: swapped whole, never half."""

    champion: ServingModel
    challenger: ServingModel | None = None
    config: ServingConfig | None = None

    def __post_init__(self) -> None:
        c = self.config
        if c is None:
            return
        if c.champion_version != self.champion.version:
            raise FatalError(f"plan: config names champion v{c.champion_version}, "
                             f"loaded v{self.champion.version}")
        if c.mode is not ServingMode.OFF and (
                self.challenger is None or self.challenger.version != c.challenger_version):
            raise FatalError(f"plan: mode {c.mode.value} needs challenger "
                             f"v{c.challenger_version} loaded")

    @property
    def mode(self) -> ServingMode:
        return self.config.mode if self.config else ServingMode.OFF

    @property
    def label(self) -> str:
        text = f"{self.champion.name} v{self.champion.version} (champion)"
        c = self.config
        if c is not None and c.mode is not ServingMode.OFF and self.challenger is not None:
            share = f" {c.treatment_share:.0%}" if c.serves_challenger else ""
            text += f" + v{self.challenger.version} ({c.mode.value}{share}"
            text += f", experiment {c.experiment_id})" if c.experiment_id else ")"
        seq = f", config #{c.sequence}" if c is not None else ", no config (alias only)"
        return text + seq


@dataclass(frozen=True)
class RoleRun:
    """One model's predictions on some rows of a batch."""

    role: ModelRole
    model: ServingModel
    rows: np.ndarray
    scores: np.ndarray
    seconds: float
    matrix: np.ndarray | None = None
    """The rows it predicted, encoded for it (what its reasons are computed on)."""


@dataclass(frozen=True)
class ServedBatch:
    """Per lead: the served score and who served it; plus every model run, for monitors."""

    route: BatchRoute
    scores: np.ndarray
    served_seconds: np.ndarray
    """Per lead, model time (s) of the model whose score is served."""
    runs: tuple[RoleRun, ...]
    """Champion first; the challenger's run serves treatment rows or shadows every row."""
    shadow: RoleRun | None = None
    shadow_error: str | None = None

    def __len__(self) -> int:
        return int(self.scores.shape[0])

    def versions(self) -> np.ndarray:
        r = self.route
        return np.where(r.treatment, r.challenger_version or "", r.champion_version)

    def aliases(self) -> np.ndarray:
        return np.where(self.route.treatment, ModelRole.CHALLENGER.value,
                        ModelRole.CHAMPION.value)


def route(plan: ServingPlan, lead_ids: Sequence[str]) -> BatchRoute:
    """The batch's route; without a configuration every lead is the champion's."""
    if plan.config is not None:
        return route_batch(plan.config, lead_ids)
    n = len(lead_ids)
    return BatchRoute((Variant.CHAMPION,) * n, np.zeros(n, dtype=bool),
                      plan.champion.version, None, None, False)


def serve(plan: ServingPlan, leads: Sequence[IncomingLead], batch: EncodedBatch) -> ServedBatch:
    """Route and score an accepted batch (``batch`` encoded with the champion's spec)."""
    r = route(plan, [lead.lead_id for lead in leads])
    n = len(leads)
    scores = np.zeros(n, dtype=np.float64)
    seconds = np.zeros(n, dtype=np.float64)
    runs: list[RoleRun] = []
    champion_rows = r.control_rows
    if champion_rows.size or not r.treatment.any():
        runs.append(_run(ModelRole.CHAMPION, plan.champion, champion_rows, leads, batch, plan))
    if r.treatment.any() and plan.challenger is not None:
        runs.append(_run(ModelRole.CHALLENGER, plan.challenger, r.treatment_rows, leads,
                         batch, plan))
    for run in runs:
        scores[run.rows] = run.scores
        seconds[run.rows] = run.seconds
    shadow, error = (_shadow(plan, leads, batch) if r.shadow and n else (None, None))
    return ServedBatch(r, scores, seconds, tuple(runs), shadow, error)


def _shadow(plan: ServingPlan, leads: Sequence[IncomingLead], batch: EncodedBatch
            ) -> tuple[RoleRun | None, str | None]:
    assert plan.challenger is not None
    rows = np.arange(len(leads))
    try:
        return _run(ModelRole.CHALLENGER, plan.challenger, rows, leads, batch, plan), None
    except ModelFailed as exc:
        return None, str(exc)


def _run(role: ModelRole, model: ServingModel, rows: np.ndarray,
         leads: Sequence[IncomingLead], batch: EncodedBatch, plan: ServingPlan) -> RoleRun:
    matrix = _matrix(model, plan.champion, leads, batch)
    matrix = matrix[rows] if rows.size != len(leads) else matrix
    started = time.perf_counter()
    try:
        scores = model.predict(matrix)
    except Exception as exc:  # any failure of the model library: the caller decides
        raise ModelFailed(role, model, exc) from exc
    not_finite = int(np.count_nonzero(~np.isfinite(scores)))
    if not_finite:  # a NaN would be graded A and ranked anywhere: never served
        raise ModelFailed(role, model, NonFiniteScore(
            f"{not_finite} of {scores.size} scores are not finite numbers"))
    return RoleRun(role, model, rows, scores, time.perf_counter() - started, matrix)


def _matrix(model: ServingModel, champion: ServingModel, leads: Sequence[IncomingLead],
            batch: EncodedBatch) -> np.ndarray:
    """The batch encoded for ``model``: the champion's matrix when the specs agree, made
    from the champion's encoding when they differ only in learned vocabularies."""
    if model is champion or model.spec == champion.spec:
        return batch.matrix
    try:
        again = model.encoder.reencode(batch, champion.spec)
        return again.matrix if again is not None else model.encoder.encode_leads(leads).matrix
    except Exception as exc:  # a challenger whose spec cannot encode these leads
        raise ModelFailed(ModelRole.CHALLENGER, model, exc) from exc
