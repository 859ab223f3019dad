"""A synthetic CRM: seeded B2B leads with a known ground-truth conversion model.

Each lead has a latent *intent* ``z ~ N(0, 1)`` that drives its engagement signals:

- ``engagement_score = clip(35 + 15·z + N(0, 10), 0, 100)``
- ``website_visits ~ Poisson(exp(1.0 + 0.45·z))``, ``email_opens ~ Poisson(exp(0.9 + 0.3·z))``
- ``company_size = max(1, round(LogNormal(log 40, 1.6)))`` (heavy-tailed)
- ``days_since_first_contact ~ Exponential(mean 30)``
- ``lead_source``, ``industry``, ``region`` drawn from :data:`MARGINALS`.

Ground truth (the true conversion model)::

    logit p = INTERCEPT
            + 0.09  · (engagement_score - 35)
            + 0.35  · log1p(website_visits)
            + 0.20  · log1p(email_opens)
            + 0.30  · log10(company_size)
            - 0.012 · min(days_since_first_contact, 120)
            + EFFECTS[lead_source] + EFFECTS[industry] + EFFECTS[region]
            + N(0, NOISE_SD)
    converted ~ Bernoulli(p)

(constants :data:`INTERCEPT`, :data:`COEFFICIENTS`, :data:`EFFECTS`, :data:`NOISE_SD`), which
gives a conversion rate of about 15 % (10-20 % for any seed and n ≥ 2,000).

A lead's **true conversion probability** is ``p = 1 / (1 + exp(-logit))`` with its own noise
draw included, computed from its features *before* any is blanked: exactly the ``p`` its
``converted`` was drawn from. :meth:`SyntheticCRM.leads_with_truth` returns it with the
leads (the simulator draws ``leads.outcomes`` from it, :mod:`scoring.simulated_outcomes`);
:func:`true_probability` is the noise-free part, computable from a frame's features alone. About
:data:`MISSING_RATE` of each feature's observed values are blanked *after* the outcome is
drawn (the CRM lost the field; the truth did not change).

``shift={"engagement_score": 0.5}`` is covariate shift: the feature moves by 0.5 of its
sample standard deviation (then is clipped/rounded to its valid range) *before* the outcome
is drawn, so P(converted | features) stays the ground truth above. For a categorical
feature, the value ``s`` (0-1) is the share of leads reassigned to that feature's
:data:`SHIFT_TARGET` category. Same seed and same calls → identical output.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

MARGINALS: dict[str, dict[str, float]] = {
    "lead_source": {
        "web_form": 0.34, "organic_search": 0.20, "paid_search": 0.15, "referral": 0.10,
        "event": 0.08, "partner": 0.07, "cold_outbound": 0.06,
    },
    "industry": {
        "software": 0.24, "finance": 0.15, "manufacturing": 0.14, "healthcare": 0.12,
        "retail": 0.12, "education": 0.08, "other": 0.09, "government": 0.06,
    },
    "region": {"north_america": 0.40, "emea": 0.30, "apac": 0.20, "latam": 0.10},
}
EFFECTS: dict[str, float] = {
    "web_form": 0.0, "organic_search": 0.2, "paid_search": -0.1, "referral": 1.0,
    "event": 0.6, "partner": 0.5, "cold_outbound": -0.8,
    "software": 0.3, "finance": 0.2, "manufacturing": -0.1, "healthcare": 0.0,
    "retail": -0.3, "education": -0.2, "other": 0.0, "government": -0.4,
    "north_america": 0.1, "emea": 0.0, "apac": -0.1, "latam": -0.2,
}
INTERCEPT = -3.6
COEFFICIENTS: dict[str, float] = {
    "engagement_score": 0.09, "website_visits": 0.35, "email_opens": 0.20,
    "company_size": 0.30, "days_since_first_contact": -0.012,
}
NOISE_SD = 0.5
MISSING_RATE = 0.02
SHIFT_TARGET = {"lead_source": "cold_outbound", "industry": "government", "region": "latam"}
NUMERIC = ("company_size", "engagement_score", "website_visits", "email_opens",
           "days_since_first_contact")
_INTS = {"company_size", "website_visits", "email_opens"}
_LOWER = {"company_size": 1.0, "engagement_score": 0.0, "website_visits": 0.0,
          "email_opens": 0.0, "days_since_first_contact": 0.0}
_UPPER = {"engagement_score": 100.0}


class SyntheticCRM:
    """A seeded stream of synthetic leads; successive calls continue the stream."""

    def __init__(self, seed: int = 0):
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._issued = 0

    def leads(self, n: int, shift: dict[str, float] | None = None) -> pd.DataFrame:
        """``n`` leads: ``lead_id``, the default spec's features and ``converted`` (0/1)."""
        return self.leads_with_truth(n, shift)[0]

    def leads_with_truth(self, n: int, shift: dict[str, float] | None = None
                         ) -> tuple[pd.DataFrame, np.ndarray]:
        """The leads of :meth:`leads` (the same stream) and each one's true conversion
        probability, the ``p`` its ``converted`` was drawn from."""
        shift = dict(shift or {})
        unknown = set(shift) - set(NUMERIC) - set(MARGINALS)
        if unknown:
            raise ValueError(f"cannot shift unknown feature(s): {sorted(unknown)}")
        rng = self._rng
        z = rng.standard_normal(n)
        cols: dict[str, np.ndarray] = {
            "company_size": np.maximum(1.0, np.round(rng.lognormal(np.log(40), 1.6, n))),
            "engagement_score": np.clip(35 + 15 * z + rng.normal(0, 10, n), 0, 100),
            "website_visits": rng.poisson(np.exp(1.0 + 0.45 * z)).astype(float),
            "email_opens": rng.poisson(np.exp(0.9 + 0.3 * z)).astype(float),
            "days_since_first_contact": rng.exponential(30.0, n),
        }
        cats = {name: rng.choice(list(m), size=n, p=list(m.values())).astype(object)
                for name, m in MARGINALS.items()}
        moved = {name: rng.random(n) for name in MARGINALS}
        noise = rng.normal(0, NOISE_SD, n)
        blank = {name: rng.random(n) < MISSING_RATE for name in (*NUMERIC, *MARGINALS)}
        for name, s in shift.items():
            if name in cols:
                cols[name] = _shift_numeric(name, cols[name], s)
            else:
                if not 0 <= s <= 1:
                    raise ValueError(f"categorical shift of {name!r} must be a share 0-1: {s}")
                cats[name] = np.where(moved[name] < s, SHIFT_TARGET[name], cats[name])
        p = 1 / (1 + np.exp(-(_true_logit(cols, cats) + noise)))
        converted = (rng.random(n) < p).astype(np.int64)
        frame = pd.DataFrame({"lead_id": self._ids(n)})
        for name in MARGINALS:
            frame[name] = np.where(blank[name], None, cats[name])
        for name in NUMERIC:
            frame[name] = np.where(blank[name], np.nan, cols[name])
        frame["converted"] = converted
        return frame, p

    def events(
        self, n: int, shift: dict[str, float] | None = None, with_target: bool = False
    ) -> Iterator[dict]:
        """The same leads as JSON-ready dicts; a missing value is an absent key."""
        yield from as_events(self.leads(n, shift), with_target)

    def _ids(self, n: int) -> list[str]:
        start, self._issued = self._issued, self._issued + n
        return [f"syn-{self.seed}-{i:08d}" for i in range(start, start + n)]


def as_events(frame: pd.DataFrame, with_target: bool = False) -> Iterator[dict]:
    """Leads of :meth:`SyntheticCRM.leads` as events: a missing value is an absent key."""
    for row in frame.to_dict("records"):
        event: dict = {"lead_id": row["lead_id"]}
        for name in (*MARGINALS, *NUMERIC):
            value = row[name]
            if value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            event[name] = int(value) if name in _INTS else value
        if with_target:
            event["converted"] = int(row["converted"])
        yield event


def true_probability(frame: pd.DataFrame) -> np.ndarray:
    """The ground-truth conversion probability of each lead, without the logit noise."""
    cols = {k: frame[k].to_numpy(dtype=float) for k in NUMERIC}
    cats = {k: frame[k].to_numpy(dtype=object) for k in MARGINALS}
    return 1 / (1 + np.exp(-_true_logit(cols, cats)))


def _true_logit(cols: dict[str, np.ndarray], cats: dict[str, np.ndarray]) -> np.ndarray:
    c = COEFFICIENTS
    logit = (
        INTERCEPT
        + c["engagement_score"] * (np.nan_to_num(cols["engagement_score"], nan=35.0) - 35)
        + c["website_visits"] * np.log1p(np.nan_to_num(cols["website_visits"]))
        + c["email_opens"] * np.log1p(np.nan_to_num(cols["email_opens"]))
        + c["company_size"] * np.log10(np.nan_to_num(cols["company_size"], nan=1.0))
        + c["days_since_first_contact"]
        * np.minimum(np.nan_to_num(cols["days_since_first_contact"]), 120)
    )
    for name in MARGINALS:
        logit = logit + np.array([EFFECTS.get(v, 0.0) for v in cats[name]])
    return logit


def _shift_numeric(name: str, values: np.ndarray, sigmas: float) -> np.ndarray:
    moved = values + sigmas * float(np.std(values))
    moved = np.clip(moved, _LOWER[name], _UPPER.get(name, np.inf))
    return np.round(moved) if name in _INTS else moved
