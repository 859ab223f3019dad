"""The performance page under label delay: realized AUC, precision at the top 10 % and
calibration as outcomes arrive, beside the *estimated* AUC and expected conversions from
the scores alone (:mod:`monitors.estimated`, labelled with its assumption); conversion by
grade."""

from __future__ import annotations

from monitors.estimated import ASSUMPTION, estimate_histograms
from schemas.profile import SCORE_EDGES
from streams.dashboard.charts import chart, downsample, table
from streams.dashboard.history import Snapshot

MIDPOINTS = [(lo + hi) / 2 for lo, hi in zip((0.0, *SCORE_EDGES), (*SCORE_EDGES, 1.0),
                                             strict=True)]


def performance(snap: Snapshot, model: str) -> dict:
    """Realized (worst per bucket) beside estimated quality; label-window tables.
    Estimated AUC and precision come from each window's score histogram, each score at its
    bin's middle; expected conversions are the exact sum of the scores."""
    t, cols = snap.series("performance", "champion")
    rx, real = downsample(t, cols, ["auc", "precision_at_10"], how="min")
    _, cal = downsample(t, cols, ["calibration_error"])
    real.update(cal)
    et, counts, expected = snap.scores("champion", len(MIDPOINTS))
    est = estimate_histograms(counts, MIDPOINTS)
    est_cols = {"est_auc": est["auc"], "est_precision_at_10": est["precision_at_10"],
                "expected_conversions": expected}
    ex, esti = downsample(et, est_cols, ["est_auc", "est_precision_at_10"], how="min")
    _, conv = downsample(et, est_cols, ["expected_conversions"], how="sum")
    charts = [
        chart("realized", "Realized quality (champion), as outcomes arrive: lowest AUC and "
              "precision, highest calibration error per bucket",
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
