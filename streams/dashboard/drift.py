"""The drift and data-quality page: PSI per feature over recent windows against the warn
and critical lines, share of drifted features, missing and unseen rates, and the reference
vs current distribution of a chosen feature and of the score."""

from __future__ import annotations

from streams.dashboard.charts import chart, downsample, table
from streams.dashboard.history import Snapshot
from streams.dashboard.profiles import (
    Profiles,
    bin_labels,
    current_counts,
    features,
    reference_shares,
)


def drift(snap: Snapshot, model: str, warn: float, act: float, profiles: Profiles | None,
          feature: str | None) -> dict:
    t, cols = snap.series("drift", "champion")
    names = sorted(k.split(":", 1)[1] for k in cols if k.startswith("psi:"))
    x, psi = downsample(t, cols, [f"psi:{n}" for n in names])
    _, share = downsample(t, cols, ["drifted_share"])
    _, missing = downsample(t, cols, [f"missing:{n}" for n in names if n != "score"])
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
    for (role, version), r in sorted(snap.latest["drift"].items()):
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
    champion = {k: r for k, r in snap.latest["drift"].items() if k[0] == "champion"}
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
