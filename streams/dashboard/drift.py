"""The drift and data-quality page: PSI per feature over recent windows against the warn
and critical lines, share of drifted features, missing and unseen rates, and the reference
vs current distribution of a chosen feature and of the score."""

from __future__ import annotations

from streams.dashboard.charts import chart, downsample, table
from streams.dashboard.history import Snapshot
from streams.dashboard.overview import latest
from streams.dashboard.profiles import (
    Profiles,
    bin_labels,
    current_counts,
    features,
    reference_shares,
)

DRIFTED = ("warn", "critical")


def _rows(reports: list[dict]) -> list[dict]:
    """One flat row per champion window: PSI, missing and unseen share per feature, and the
    share of features whose (persisted) verdict is warn or critical."""
    out = []
    for r in reports:
        if r["role"] != "champion":
            continue
        row = {"window_end_ms": r["window_end_ms"]}
        feats = [f for f in r["features"] if f["kind"] != "score"]
        for f in r["features"]:
            row[f"psi:{f['name']}"] = f["psi"]
            row[f"missing:{f['name']}"] = f["missing_share"]
            row[f"unseen:{f['name']}"] = f.get("unseen_share")
        row["drifted_share"] = (sum(f["persisted"] in DRIFTED for f in feats) / len(feats)
                                if feats else None)
        if r.get("prediction"):
            row["psi:score"] = r["prediction"]["score_psi"]
        out.append(row)
    return out


def drift(snap: Snapshot, model: str, warn: float, act: float, profiles: Profiles | None,
          feature: str | None) -> dict:
    rows = _rows(snap.reports["drift"])
    names = sorted({k.split(":", 1)[1] for r in rows for k in r if k.startswith("psi:")})
    x, psi = downsample(rows, [f"psi:{n}" for n in names])
    _, share = downsample(rows, ["drifted_share"])
    _, missing = downsample(rows, [f"missing:{n}" for n in names if n != "score"])
    charts = [
        chart("psi", "PSI per feature (champion) — worst per bucket", x,
              {n: psi[f"psi:{n}"] for n in names}, "PSI",
              lines={f"warn {warn:g}": warn, f"act {act:g}": act}),
        chart("drifted", "Share of drifted features (warn or critical after persistence)", x,
              {"drifted share": share["drifted_share"]}, "share"),
        chart("missing", "Missing-value rate per feature", x,
              {n: missing[f"missing:{n}"] for n in names if n != "score"}, "share"),
    ]
    tables = []
    for (role, version), r in sorted(latest(snap.reports["drift"]).items()):
        tables.append(table(
            f"features-{role}", f"Last window, {role} v{version}: verdict {r['verdict']} "
            f"({r['n']} leads)",
            ["feature", "kind", "PSI", "p (Holm)", "missing", "unseen", "severity",
             "after persistence"],
            [[f["name"], f["kind"], f["psi"], f["p_holm"], f["missing_share"],
              f.get("unseen_share"), f["severity"], f["persisted"]] for f in r["features"]]))
    page = {"title": f"Drift and data quality — {model}", "charts": charts, "tables": tables,
            "features": [], "feature": None}
    dist = _distribution(snap, profiles, feature)
    if dist:
        tables.extend(dist.pop("tables"))
        page.update(dist)
    return page


def _distribution(snap: Snapshot, profiles: Profiles | None, feature: str | None) -> dict:
    """Reference vs the newest window's distribution of ``feature`` (default: the score)."""
    champion = latest([r for r in snap.reports["drift"] if r["role"] == "champion"])
    if profiles is None or not champion:
        return {}
    r = max(champion.values(), key=lambda r: r["window_end_ms"])
    profile = profiles.get(r["model_version"])
    if profile is None:
        return {}
    chosen = feature if feature in features(profile) else "score"
    window = [s for s in snap.samples if s["model_version"] == r["model_version"]
              and s["role"] == "champion" and s.get("event_time_max_ms") is not None
              and r["window_start_ms"] <= s["event_time_max_ms"] < r["window_end_ms"]]
    counts = current_counts(window, chosen)
    total = sum(counts) or 1
    labels = bin_labels(profile, chosen)
    ref = reference_shares(profile, chosen)
    rows = [[lab, ref[i] if i < len(ref) else None,
             counts[i] / total if i < len(counts) else 0.0] for i, lab in enumerate(labels)]
    return {"features": features(profile), "feature": chosen, "bars": {
        "id": "distribution", "labels": labels,
        "title": f"{chosen}: reference (training) vs last window (v{r['model_version']}, "
                 f"{sum(counts)} leads)",
        "series": [{"label": "reference", "values": [row[1] for row in rows]},
                   {"label": "last window", "values": [row[2] for row in rows]}]},
        "tables": [table("distribution-table", f"{chosen}: share per bin",
                         ["bin", "reference", "last window"], rows)]}
