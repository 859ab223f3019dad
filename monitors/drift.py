"""Drift of one window against the reference profile, with a calibrated verdict.

A feature is flagged only when three gates agree:

* **enough data**: below ``min_n`` scored leads the verdict is ``insufficient_data``;
* **significance**, calibrated to the window's size: the two-sample chi-square of the
  window's counts against the reference's (sparse bins pooled), corrected across features —
  Benjamini-Hochberg at ``fdr_q`` for ``warn``, Holm at ``critical_alpha`` for ``critical``;
* **materiality**: PSI >= ``psi_warn`` (0.1) for ``warn``, >= ``psi_critical`` (0.25)
  for ``critical``. Without drift PSI is about ``(1/n + 1/M) chi2(B-1)``, so on small
  windows PSI alone fires often; on large windows significance alone flags trivia.

Persistence (k of m windows) is applied afterwards by :mod:`monitors.persistence`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from monitors import stats
from monitors.binning import top_grade_share
from monitors.drift_policy import DriftPolicy
from monitors.sketches import WindowSample
from schemas.monitor import Severity
from schemas.profile import ReferenceProfile


@dataclass(frozen=True)
class FeatureDrift:
    name: str
    kind: str
    psi: float
    chi2: float
    chi2_p: float
    g: float
    g_p: float
    ks: float | None
    ks_p: float | None
    unseen_share: float | None
    missing_share: float
    p_bh: float = 1.0
    p_holm: float = 1.0
    severity: Severity = Severity.OK


@dataclass(frozen=True)
class PredictionDrift:
    score_psi: float
    score_p: float
    mean: float
    mean_shift: float
    top_grade_share: float
    top_grade_share_reference: float


@dataclass(frozen=True)
class DriftResult:
    n: int
    verdict: Severity
    features: tuple[FeatureDrift, ...]
    prediction: PredictionDrift | None


def feature_drift(
    name: str, kind: str, counts: np.ndarray, proportions, n_reference: int, min_expected: float
) -> FeatureDrift:
    """Every statistic of one feature; the p-values are not yet corrected."""
    p = np.asarray(proportions, dtype=float)
    n = int(counts.sum())
    pooled_o, pooled_p = stats.pool_sparse(counts, p, min_expected)
    chi2, chi2_p = stats.homogeneity(pooled_o, pooled_p, n_reference)
    g, g_p = stats.homogeneity(pooled_o, pooled_p, n_reference, "log-likelihood")
    ks, ks_p = stats.ks_binned(counts, p, n_reference) if kind == "numeric" else (None, None)
    return FeatureDrift(
        name, kind, stats.psi(counts, p), chi2, chi2_p, g, g_p, ks, ks_p,
        float(counts[-2] / n) if kind == "categorical" and n else None,
        float(counts[-1] / n) if n else 0.0,
    )


def _severity(f: FeatureDrift, policy: DriftPolicy) -> Severity:
    if f.p_holm < policy.critical_alpha and f.psi >= policy.psi_critical:
        return Severity.CRITICAL
    if f.p_bh < policy.fdr_q and f.psi >= policy.psi_warn:
        return Severity.WARN
    return Severity.OK


def judge(features: list[FeatureDrift], n: int, policy: DriftPolicy) -> list[FeatureDrift]:
    """Correct p-values across features and apply the three gates to each."""
    p = np.array([f.chi2_p for f in features])
    bh, hm = stats.benjamini_hochberg(p), stats.holm(p)
    out = []
    for f, b, h in zip(features, bh, hm, strict=True):
        f = FeatureDrift(**{**f.__dict__, "p_bh": float(b), "p_holm": float(h)})
        sev = Severity.INSUFFICIENT_DATA if n < policy.min_n else _severity(f, policy)
        out.append(FeatureDrift(**{**f.__dict__, "severity": sev}))
    return out


def prediction_drift(
    sample: WindowSample, profile: ReferenceProfile, policy: DriftPolicy
) -> PredictionDrift | None:
    n = sample.n_scored
    if n == 0:
        return None
    ref = profile.score
    counts = sample.score_counts
    pooled_o, pooled_p = stats.pool_sparse(counts, ref.proportions, policy.min_expected)
    mean = sample.score_sum_micro / 1e6 / n
    return PredictionDrift(
        stats.psi(sample.score_counts, ref.proportions),
        stats.homogeneity(pooled_o, pooled_p, profile.n_rows)[1],
        mean, mean - ref.mean,
        top_grade_share(sample.score_counts, ref.edges, policy.top_grade_bound),
        ref.top_grade_share,
    )


def evaluate_drift(
    sample: WindowSample, profile: ReferenceProfile, policy: DriftPolicy | None = None
) -> DriftResult:
    """The drift of a (merged) window sample against the model version's reference."""
    policy = policy or DriftPolicy()
    n, m = sample.n_scored, profile.n_rows
    if n == 0:
        return DriftResult(0, Severity.INSUFFICIENT_DATA, (), None)
    e = policy.min_expected
    raw = [
        feature_drift(k, "numeric", sample.numeric[k], p.proportions, m, e)
        for k, p in profile.numeric.items()
    ] + [
        feature_drift(k, "categorical", sample.categorical[k], p.proportions, m, e)
        for k, p in profile.categorical.items()
    ]
    features = tuple(judge(raw, n, policy))
    verdict = worst(f.severity for f in features)
    return DriftResult(n, verdict, features, prediction_drift(sample, profile, policy))


_RANK = {Severity.INSUFFICIENT_DATA: -1, Severity.OK: 0, Severity.WARN: 1, Severity.CRITICAL: 2}


def worst(severities) -> Severity:
    """The most severe of several verdicts (``insufficient_data`` only if nothing else)."""
    return max(severities, key=_RANK.__getitem__, default=Severity.INSUFFICIENT_DATA)
