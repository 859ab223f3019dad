"""The performance page under label delay: realized AUC, precision at the top 10 % and
calibration as outcomes arrive, beside the *estimated* AUC and expected conversions from
the scores alone (:mod:`monitors.estimated`, labelled with its assumption); conversion by
grade."""

from __future__ import annotations

from monitors.estimated import ASSUMPTION, estimate_binned
from schemas.profile import SCORE_EDGES
from streams.dashboard.charts import chart, downsample, table
from streams.dashboard.history import Snapshot

MIDPOINTS = [(lo + hi) / 2 for lo, hi in zip((0.0, *SCORE_EDGES), (*SCORE_EDGES, 1.0),
                                             strict=True)]


def estimated_windows(samples: list[dict], window_ms: int) -> list[dict]:
    """Champion samples merged per event-time window: estimated AUC, precision at 10 % and
    expected conversions (the exact score sum; AUC and precision from the histogram, each
    score at its bin's middle)."""
    merged: dict[int, dict] = {}
    for s in samples:
        if s["role"] != "champion" or s.get("event_time_max_ms") is None:
            continue
        w = merged.setdefault(s["event_time_max_ms"] // window_ms,
                              {"counts": [0] * len(MIDPOINTS), "sum": 0})
        for i, c in enumerate(s["score_counts"][:len(MIDPOINTS)]):
            w["counts"][i] += c
        w["sum"] += s["score_sum_micro"]
    out = []
    for key, w in sorted(merged.items()):
        e = estimate_binned(w["counts"], MIDPOINTS)
        out.append({"window_end_ms": (key + 1) * window_ms, "n": e.n, "est_auc": e.auc,
                    "est_precision_at_10": e.precision_at_10,
                    "expected_conversions": w["sum"] / 1e6})
    return out


def performance(snap: Snapshot, model: str, window_s: float) -> dict:
    realized = [r for r in snap.reports["performance"] if r["role"] == "champion"]
    est = estimated_windows(snap.samples, max(1, int(window_s * 1000)))
    rx, real = downsample(realized, ["auc", "precision_at_10", "calibration_error"], pick=min)
    ex, esti = downsample(est, ["est_auc", "est_precision_at_10"], pick=min)
    _, conv = downsample(est, ["expected_conversions"], pick=sum)
    charts = [
        chart("realized", "Realized quality (champion), as outcomes arrive — worst per bucket",
              rx, {"AUC": real["auc"], "precision at top 10 %": real["precision_at_10"],
                   "calibration error": real["calibration_error"]}, "",
              note="From the labelled leads of the version's label window."),
        chart("estimated", "Estimated quality from the scores alone (champion)", ex,
              {"estimated AUC": esti["est_auc"],
               "estimated precision at top 10 %": esti["est_precision_at_10"]}, "",
              note=ASSUMPTION),
        chart("expected", "Expected conversions per bucket (sum of calibrated scores)", ex,
              {"expected conversions": conv["expected_conversions"]}, "leads",
              note=ASSUMPTION),
    ]
    tables = []
    for version, summary in sorted(snap.labels.items()):
        tables.append(table(
            f"calibration-{version}", f"Calibration by decile, v{version} "
            f"({summary['n']} labelled leads, {summary['conversions']} converted)",
            ["decile", "leads", "mean score (expected rate)", "realized rate"],
            [[c["decile"], c["n"], c["mean_score"], c["realized_rate"]]
             for c in summary["calibration"]]))
        tables.append(table(
            f"grades-{version}", f"Conversion by grade, v{version}",
            ["grade", "labelled leads", "converted", "realized rate", "mean score"],
            [[g["grade"], g["n"], g["conversions"], g["rate"], g["mean_score"]]
             for g in summary["by_grade"]]))
    return {"title": f"Performance under label delay — {model}", "charts": charts,
            "tables": tables, "assumption": ASSUMPTION}
