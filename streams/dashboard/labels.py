"""Realized quality from the labelled scores in Redis: calibration by decile and conversion
by grade, for one model version (what outcomes have arrived so far)."""

from __future__ import annotations

import numpy as np

from monitors.estimated import calibration_by_decile
from scoring.grades import GradeScale


def label_summary(scores: np.ndarray, labels: np.ndarray, scale: GradeScale) -> dict:
    """Counts, realized calibration by decile and conversion by grade (best grade first)."""
    grades = scale.assign(scores) if scores.size else []
    by_grade = []
    for name in scale.names:
        mask = np.array([g == name for g in grades], dtype=bool)
        n = int(mask.sum())
        by_grade.append({"grade": name, "n": n,
                         "conversions": int(labels[mask].sum()) if n else 0,
                         "rate": float(labels[mask].mean()) if n else None,
                         "mean_score": float(scores[mask].mean()) if n else None})
    return {"n": int(scores.size), "conversions": int(labels.sum()) if scores.size else 0,
            "calibration": calibration_by_decile(scores, labels), "by_grade": by_grade}
