"""Reason codes for the served scores and the shadow challenger, per model run of a batch.

One :class:`~scoring.reasons.Explainer` (and its JSON renderer) per loaded serving model,
built when a plan is set, never per batch. Per run, the leads whose grade is in
``exact_grades`` get exact TreeSHAP reasons and the others approximate ones (Saabas): exact
where a rep acts, at stream speed for the rest (``bench/throughput.py`` measures the cost,
``bench/reasons_agreement.py`` the agreement of approx with exact).

An explainer that fails never costs a score: the run's leads are published without
reasons (``"reasons": []``, ``"reasons_method": null``), the failure is logged (model and
error class, no lead attribute) and counted per role (``leadstream_scorer_reasons_failed``).
Nor does a slow one: each run fits a time budget per lead
(:mod:`streams.scorer.reasons_budget`): exact where asked while it fits, else approximate,
else none (counted per role, ``leadstream_scorer_reasons_skipped``). A lead that asked for
exact reasons (its grade is in ``exact_grades``) and got approximate ones is counted per
grade (``leadstream_scorer_reasons_downgraded_total``), and the first such run of a model
logs one warning line.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from schemas.leads import IncomingLead
from scoring.grades import GradeScale
from scoring.model import ServingModel
from scoring.reasons import ChosenReasons, Explainer
from scoring.serving import RoleRun, ServingPlan
from streams.scorer.reasons_budget import PROBE_ROWS, ReasonsBudget
from streams.scorer.reasons_text import LeadValues, ReasonsText

log = logging.getLogger(__name__)

NO_REASONS, NO_METHOD = "[]", "null"
DEFAULT_BUDGET_MS = 1.0
"""Reasons may cost this many ms per lead (``LEADSTREAM_REASONS_BUDGET_MS``): ~100x what
the default synthetic model's take, ~10x the X Education model's with exact reasons for a
fifth of its leads (``bench/README.md``)."""
_METHOD = {True: '"exact"', False: '"approx"'}


@dataclass(frozen=True)
class RunReasons:
    """Per row of one run: its reasons' JSON array text and its method's JSON text."""

    reasons: list[str]
    methods: list[str]


@dataclass
class BatchReasons:
    """Per lead of the batch (input order): its served score's reasons and method."""

    reasons: list[str]
    methods: list[str]
    failed: Counter[str] = field(default_factory=Counter)
    """Runs whose explainer failed, by role."""
    skipped: Counter[str] = field(default_factory=Counter)
    """Runs published without reasons because they would exceed the budget, by role."""
    downgraded: Counter[str] = field(default_factory=Counter)
    """Leads whose exact reasons the budget replaced by approximate ones, by grade."""


class Explanations:
    def __init__(self, k: int, grades: GradeScale, exact_grades: frozenset[str],
                 threads: int = 1, budget_ms_per_lead: float = DEFAULT_BUDGET_MS):
        self.k, self._grades, self._exact, self._threads = k, grades, exact_grades, threads
        self._models: dict[tuple[str, str], tuple[Explainer, ReasonsText] | None] = {}
        self._budget = ReasonsBudget(budget_ms_per_lead / 1000.0)
        self._over: set[tuple[str, str]] = set()  # models already logged as over budget
        self._downgrading: set[tuple[str, str]] = set()  # models logged as downgrading

    def use(self, plan: ServingPlan) -> None:
        """Explainers for the plan's models (kept for a model already explained)."""
        if not self.k:
            return
        models = [m for m in (plan.champion, plan.challenger) if m is not None]
        self._models = {(m.name, m.version): self._models.get((m.name, m.version))
                        or self._build(m) for m in models}

    def served(self, runs: Sequence[RoleRun], leads: Sequence[IncomingLead],
               shared: LeadValues | None = None) -> BatchReasons:
        """The reasons of every served score, from the model that served it (``shared``:
        the batch's values as text, for every run of the batch)."""
        n = len(leads)
        out = BatchReasons([NO_REASONS] * n, [NO_METHOD] * n)
        shared = shared or LeadValues(leads)
        for run in runs:
            part = self.run(run, leads, out.failed, out.skipped, out.downgraded, shared)
            for at, row in enumerate(run.rows.tolist()):
                out.reasons[row], out.methods[row] = part.reasons[at], part.methods[at]
        return out

    def run(self, run: RoleRun, leads: Sequence[IncomingLead],
            failed: Counter[str] | None = None,
            skipped: Counter[str] | None = None,
            downgraded: Counter[str] | None = None,
            shared: LeadValues | None = None) -> RunReasons:
        """One run's reasons; none (and ``failed`` counted) when its explainer fails, none
        (and ``skipped`` counted) when they would exceed the budget; approximate where
        exact was asked (``downgraded`` counted per grade) when only those fit."""
        n = int(run.rows.size)
        key = (run.model.name, run.model.version)
        pair = self._models.get(key)
        if pair is None or run.matrix is None or not n:
            if key in self._models and n and failed is not None:  # its explainer failed
                failed[run.role.value] += 1
            return RunReasons([NO_REASONS] * n, [NO_METHOD] * n)
        explainer, text = pair
        grades = np.array(self._grades.assign(run.scores) if self._exact else [""] * n,
                          dtype=object)
        exact = np.isin(grades, list(self._exact))
        try:
            chosen = self._within_budget(explainer, key, run, exact)
        except Exception as exc:  # the model library: the score is published without reasons
            log.error("reasons of %s %s failed (%s): %d scores published without reasons",
                      run.role.value, run.model.label, type(exc).__name__, n)
            if failed is not None:
                failed[run.role.value] += 1
            return RunReasons([NO_REASONS] * n, [NO_METHOD] * n)
        if chosen is None:
            if skipped is not None:
                skipped[run.role.value] += 1
            return RunReasons([NO_REASONS] * n, [NO_METHOD] * n)
        self._downgraded(run, grades[exact & ~chosen.exact], downgraded)
        return RunReasons(text.render(leads, chosen, shared, run.rows),
                          [_METHOD[e] for e in chosen.exact.tolist()])

    def _within_budget(self, explainer: Explainer, key: tuple[str, str], run: RoleRun,
                       exact: np.ndarray) -> ChosenReasons | None:
        assert run.matrix is not None
        if not self._budget.known(key):  # time PROBE_ROWS rows, however few the run has
            for timed in _probe(explainer, run.matrix, False):
                self._budget.learn(key, timed)
        if self._exact and self._budget.affordable(key) and not self._budget.exact_measured(key):
            for timed in _probe(explainer, run.matrix, True):
                self._budget.learn(key, timed)
        fitted = self._budget.fit(key, exact)
        if fitted is None:
            if key not in self._over:
                self._over.add(key)
                log.warning("reasons of %s would take more than %.2f ms per lead: its "
                            "scores are published without reasons while that lasts",
                            run.model.label, self._budget.per_lead_s * 1000)
            return None
        chosen = explainer.choose(run.matrix, fitted)
        self._budget.learn(key, chosen)
        return chosen

    def _downgraded(self, run: RoleRun, grades: np.ndarray,
                    downgraded: Counter[str] | None) -> None:
        """Count the leads given approximate reasons instead of exact, per grade; the
        first time for a model, say so (one line per model, not per batch)."""
        if not grades.size:
            return
        if downgraded is not None:
            downgraded.update(grades.tolist())
        key = (run.model.name, run.model.version)
        if key not in self._downgrading:
            self._downgrading.add(key)
            log.warning("exact reasons of %s would take more than %.2f ms per lead: leads "
                        "of grade %s get approximate reasons while that lasts (counted in "
                        "leadstream_scorer_reasons_downgraded_total)", run.model.label,
                        self._budget.per_lead_s * 1000, ", ".join(sorted(self._exact)))

    def _build(self, model: ServingModel) -> tuple[Explainer, ReasonsText] | None:
        try:
            explainer = Explainer(model.booster, model.spec, model.encoder.feature_names,
                                  self.k, threads=self._threads)
        except Exception as exc:  # the model library: its scores go out without reasons
            log.error("cannot build the explainer of %s (%s): its scores are published "
                      "without reasons", model.label, type(exc).__name__)
            return None
        return explainer, ReasonsText([f.name for f in model.spec.features], explainer.labels)


def _probe(explainer: Explainer, matrix: np.ndarray, exact: bool) -> list[ChosenReasons]:
    """Two timings of ``PROBE_ROWS`` rows (half of them for exact): the run's rows,
    repeated up to that many. Only the lesser counts: a method's first call pays one-off
    costs, and a busy machine can stall any single call."""
    n = PROBE_ROWS // 2 if exact else PROBE_ROWS
    rows = matrix[np.resize(np.arange(matrix.shape[0]), n)]
    return [explainer.choose(rows, np.full(n, exact)) for _ in range(2)]
