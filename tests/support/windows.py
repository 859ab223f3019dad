"""Generated monitor history for the dashboard's tests: ``days`` of closed windows of one
model (drift, performance and guardrail reports, and samples), valid per the topic
contracts (built with the pydantic models, dumped as the topics carry them)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np

from schemas.monitor import (
    DriftReport,
    FeatureDriftData,
    GuardrailReport,
    GuardrailStatus,
    PerformanceReport,
    PredictionDriftData,
)
from schemas.profile import SCORE_EDGES

FEATURES = ("engagement_score", "website_visits", "email_opens", "company_size",
            "days_since_first_contact", "lead_source", "industry", "region")


def _feature(name: str, psi: float, missing: float) -> FeatureDriftData:
    sev = _level(psi)
    return FeatureDriftData(name=name, kind="numeric", psi=psi, chi2=1.0, chi2_p=0.5, g=1.0,
                            g_p=0.5, missing_share=missing, p_bh=0.5, p_holm=0.5,
                            severity=sev, persisted=sev)


def _templates(model: str, version: str, window_s: float) -> dict[str, dict]:
    """One report of each kind, validated by its contract, dumped as the topics carry it."""
    w = {"model_name": model, "role": "champion", "model_version": version,
         "window_start_ms": 0, "window_end_ms": int(window_s * 1000),
         "emitted_at": datetime.now(UTC)}
    return {
        "drift": DriftReport(
            **w, n=500, verdict="ok", features=[_feature(f, 0.01, 0.01) for f in FEATURES],
            prediction=PredictionDriftData(score_psi=0.01, score_p=0.5, mean=0.3,
                                           mean_shift=0.0, top_grade_share=0.1,
                                           top_grade_share_reference=0.1)).model_dump(mode="json"),
        "performance": PerformanceReport(
            **w, n_scored=500, n_rejected=3, n_failed=0, throughput_per_s=500 / window_s,
            latency_p50_ms=2.0, latency_p95_ms=4.0, latency_p99_ms=8.0, error_rate=0.0,
            deadletter_rate=0.006, n_labels=100, auc=0.75, precision_at_10=0.4,
            calibration_error=0.02).model_dump(mode="json"),
        "guardrails": GuardrailReport(**w, state="HEALTHY", guardrails=[
            GuardrailStatus(name="score_collapse", metric="score_std", value=0.2,
                            level="HEALTHY", warn=0.05, critical=0.02, action="rollback",
                            breach_streak=0, clean_streak=1)]).model_dump(mode="json"),
    }


def windows(model: str, days: float, window_s: float = 60.0, version: str = "1",
            seed: int = 0, end_ms: int | None = None) -> dict[str, list[dict]]:
    """``{"drift": [...], "performance": [...], "guardrails": [...], "samples": [...]}``,
    oldest first, ending now; values drawn at random per window."""
    rng = np.random.default_rng(seed)
    n = int(days * 86_400 / window_s)
    step = int(window_s * 1000)
    end = end_ms or int(time.time() * 1000)
    base = _templates(model, version, window_s)
    psi = rng.gamma(1.0, 0.03, (n, len(FEATURES)))
    latency = np.sort(rng.uniform(1, 12, (n, 3)), axis=1)
    auc = rng.uniform(0.7, 0.8, n)
    bins = len(SCORE_EDGES) + 1
    counts = rng.multinomial(500, np.full(bins, 1 / bins), n)
    out: dict[str, list[dict]] = {"drift": [], "performance": [], "guardrails": [],
                                  "samples": []}
    for i in range(n):
        w_end = end - (n - 1 - i) * step
        when = {"window_start_ms": w_end - step, "window_end_ms": w_end}
        features = [{**f, "psi": float(p), "severity": _level(p), "persisted": _level(p)}
                    for f, p in zip(base["drift"]["features"], psi[i], strict=True)]
        out["drift"].append({**base["drift"], **when, "features": features,
                             "prediction": {**base["drift"]["prediction"],
                                            "score_psi": float(psi[i, 0])}})
        out["performance"].append({
            **base["performance"], **when, "latency_p50_ms": float(latency[i, 0]),
            "latency_p95_ms": float(latency[i, 1]), "latency_p99_ms": float(latency[i, 2]),
            "auc": float(auc[i])})
        out["guardrails"].append({**base["guardrails"], **when})
        out["samples"].append({
            "role": "champion", "model_version": version,
            "event_time_min_ms": w_end - step, "event_time_max_ms": w_end - 1,
            "n_scored": 500, "numeric": {}, "categorical": {},
            "score_counts": counts[i].tolist(), "score_sum_micro": 150_000_000})
    return out


def _level(psi: float) -> str:
    return "critical" if psi >= 0.25 else "warn" if psi >= 0.1 else "ok"
