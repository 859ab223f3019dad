"""What reasons may cost: a time budget per lead, so a slow model never slows scoring.

Reasons cost a multiple of the model's own prediction (approximate ~5x, exact TreeSHAP
~100x), so a model with many more trees — a pathological or deliberately slow version, the
very one a latency guardrail must roll back at once — would spend seconds per batch on them.
:class:`ReasonsBudget` keeps, per serving model, the measured seconds per row of each method
(the least the explainer took per row: noise on a busy machine only ever adds time, and a
model's own cost is its best case; a model seen for the first time is timed on
``PROBE_ROWS`` rows of its first run, however few: its rows repeated) and fits each run
into ``budget``
seconds per lead: exact where asked while it fits, else approximate for every lead (each
reason marked with its method; the leads that asked for exact are counted per grade and
logged once per model), else no reasons for that run (counted, logged once per model).
A skipped model is probed again every ``REPROBE_EVERY`` runs, and a downgrading model's
exact reasons every ``REPROBE_EVERY`` downgraded runs, in case a load spike, not the
model, was the cost.

Every run teaches, whatever its size — at low traffic (a CRM's batches of 1-7 leads) a
slow model must not go unbudgeted: its seconds per row are the run's seconds over its rows.
A small run's fixed cost (its DMatrix) then passes for a cost per row, which errs on the
safe side (a small run's budget also gets ``RUN_ALLOWANCE_S``); the probe's
``PROBE_ROWS`` rows and the least per row over later, larger runs take over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.reasons import ChosenReasons

PROBE_ROWS = 16
"""Rows a model seen for the first time is timed on, approximately (and exactly on half of
them when approximate fits the budget): a smaller run's rows are repeated up to it, so a
call's fixed cost does not pass for a cost per row."""
EXACT_OVER_APPROX = 25.0
"""Exact's cost per row before it is measured, in approximate rows (a cautious prior:
measured 10-25x on the synthetic and X Education models, ``bench/reasons_agreement.py``)."""
RUN_ALLOWANCE_S = 0.005
"""Added to each run's budget: a call's fixed cost (its DMatrix) dominates a small batch."""
REPROBE_EVERY = 50


@dataclass
class _Cost:
    approx: float
    exact: float | None = None
    skipped: int = 0
    downgraded: int = 0


class ReasonsBudget:
    def __init__(self, per_lead_s: float):
        self.per_lead_s = per_lead_s
        self._costs: dict[tuple[str, str], _Cost] = {}

    def known(self, key: tuple[str, str]) -> bool:
        return key in self._costs

    def affordable(self, key: tuple[str, str]) -> bool:
        """Whether approximate reasons fit the budget (then exact is worth timing too)."""
        return self._costs[key].approx <= self.per_lead_s

    def exact_measured(self, key: tuple[str, str]) -> bool:
        cost = self._costs.get(key)
        return cost is not None and cost.exact is not None

    def fit(self, key: tuple[str, str], exact: np.ndarray) -> np.ndarray | None:
        """The rows to explain exactly within the budget (``exact`` or none), or None: no
        reasons for this run. A model not timed yet is explained as asked."""
        cost, n = self._costs.get(key), int(exact.size)
        if cost is None:
            return exact
        budget = self.per_lead_s * n + RUN_ALLOWANCE_S
        n_exact = int(exact.sum())
        per_exact = cost.exact if cost.exact is not None else cost.approx * EXACT_OVER_APPROX
        if n_exact * per_exact + (n - n_exact) * cost.approx <= budget:
            return exact
        if n * cost.approx <= budget:
            if n_exact:
                cost.downgraded += 1
                if cost.downgraded % REPROBE_EVERY == 0:
                    cost.exact = None  # measure exact again next run
            return np.zeros(n, dtype=bool)
        cost.skipped += 1
        if cost.skipped % REPROBE_EVERY == 0:
            del self._costs[key]  # measure it again next run
        return None

    def learn(self, key: tuple[str, str], chosen: ChosenReasons) -> None:
        """Fold what a ``choose`` call took into the model's costs per row (any run with
        rows teaches: its seconds over its rows)."""
        n_exact = int(chosen.exact.sum())
        n_approx = int(chosen.exact.size) - n_exact
        cost = self._costs.get(key)
        if n_approx:
            per = chosen.approx_s / n_approx
            if cost is None:
                cost = self._costs[key] = _Cost(per)
            else:
                cost.approx = min(cost.approx, per)
        if n_exact:
            per = chosen.exact_s / n_exact
            if cost is None:  # approximate never costs more than exact: a cautious bound
                cost = self._costs[key] = _Cost(per)
            cost.exact = per if cost.exact is None else min(cost.exact, per)
