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
    sev = "critical" if psi >= 0.25 else "warn" if psi >= 0.1 else "ok"
    return FeatureDriftData(name=name, kind="numeric", psi=psi, chi2=1.0, chi2_p=0.5, g=1.0,
                            g_p=0.5, missing_share=missing, p_bh=0.5, p_holm=0.5,
                            severity=sev, persisted=sev)


def windows(model: str, days: float, window_s: float = 60.0, version: str = "1",
            seed: int = 0, end_ms: int | None = None) -> dict[str, list[dict]]:
    """``{"drift": [...], "performance": [...], "guardrails": [...], "samples": [...]}``."""
    rng = np.random.default_rng(seed)
    n = int(days * 86_400 / window_s)
    end = end_ms or int(time.time() * 1000)
    out: dict[str, list[dict]] = {"drift": [], "performance": [], "guardrails": [],
                                  "samples": []}
    stamp = datetime.now(UTC)
    for i in range(n):
        w_end = end - (n - 1 - i) * int(window_s * 1000)
        w = {"model_name": model, "role": "champion", "model_version": version,
             "window_start_ms": w_end - int(window_s * 1000), "window_end_ms": w_end,
             "emitted_at": stamp}
        psi = rng.gamma(1.0, 0.03, len(FEATURES))
        out["drift"].append(DriftReport(
            **w, n=500, verdict="ok",
            features=[_feature(f, float(p), float(rng.random() * 0.02))
                      for f, p in zip(FEATURES, psi, strict=True)],
            prediction=PredictionDriftData(score_psi=float(psi[0]), score_p=0.5, mean=0.3,
                                           mean_shift=0.0, hot_share=0.1,
                                           hot_share_reference=0.1),
        ).model_dump(mode="json"))
        out["performance"].append(PerformanceReport(
            **w, n_scored=500, n_rejected=3, n_failed=0, throughput_per_s=500 / window_s,
            latency_p50_ms=float(rng.uniform(1, 3)), latency_p95_ms=float(rng.uniform(3, 6)),
            latency_p99_ms=float(rng.uniform(6, 12)), error_rate=0.0, deadletter_rate=0.006,
            n_labels=100, auc=float(rng.uniform(0.7, 0.8)), precision_at_10=0.4,
            calibration_error=0.02).model_dump(mode="json"))
        out["guardrails"].append(GuardrailReport(**w, state="HEALTHY", guardrails=[
            GuardrailStatus(name="score_collapse", metric="score_std", value=0.2,
                            level="HEALTHY", warn=0.05, critical=0.02, action="rollback",
                            breach_streak=0, clean_streak=i)]).model_dump(mode="json"))
        counts = rng.multinomial(500, np.full(len(SCORE_EDGES) + 1,
                                              1 / (len(SCORE_EDGES) + 1))).tolist()
        out["samples"].append({
            "role": "champion", "model_version": version,
            "event_time_min_ms": w["window_start_ms"], "event_time_max_ms": w_end - 1,
            "n_scored": 500, "numeric": {}, "categorical": {}, "score_counts": counts,
            "score_sum_micro": 150_000_000})
    return out
