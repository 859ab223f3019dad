"""The experiments page: per experiment its arms, conversions, lift with its interval, the
sequential p-value over looks, sample-ratio-mismatch state and recommendation."""

from __future__ import annotations

from streams.dashboard.charts import chart, table
from streams.dashboard.history import Snapshot


def _lift(interval: dict) -> str:
    if interval.get("estimate") is None:
        return "not enough outcomes"
    lo, hi = interval.get("lower"), interval.get("upper")
    span = "" if lo is None or hi is None else f" [{lo:+.4f}, {hi:+.4f}]"
    return f"{interval['estimate']:+.4f}{span} ({interval.get('method', '')})"


def experiments(snap: Snapshot, model: str) -> dict:
    looks: dict[str, list[dict]] = {}
    for r in snap.lists["experiments"]:
        looks.setdefault(r["experiment_id"], []).append(r)
    charts, tables = [], []
    for exp_id, rows in sorted(looks.items(), key=lambda kv: kv[1][-1]["_ms"], reverse=True):
        last = rows[-1]
        arms = [last["control"], last["treatment"]]
        tables.append(table(
            f"arms-{exp_id}", f"Experiment {exp_id} ({last['mode']}, treatment share "
            f"{last['treatment_share']:.0%}): {last['recommendation'].upper()}",
            ["arm", "version", "assigned", "outcomes", "conversions", "rate"],
            [[a["variant"], a.get("model_version"), a.get("assigned"), a["outcomes"],
              a["conversions"], a.get("conversion_rate")] for a in arms],
            note=" · ".join([
                f"absolute lift {_lift(last['absolute_lift'])}",
                f"sequential CI {_lift(last['sequential_ci'])}",
                f"sequential p {last['sequential_p_value']:.4f} after "
                f"{last['sequential_looks']} looks (alpha {last['alpha']})",
                f"SRM {'ok' if last['srm_ok'] else 'MISMATCH'} (p {last['srm_p_value']:.4g})",
                *last.get("reasons", [])])))
        charts.append(chart(
            f"pvalue-{exp_id}", f"Sequential p-value of {exp_id} over looks",
            [r["_ms"] / 1000 for r in rows],
            {"sequential p": [r["sequential_p_value"] for r in rows],
             "SRM p": [r["srm_p_value"] for r in rows]}, "p",
            lines={f"alpha {last['alpha']}": last["alpha"]}))
    return {"title": f"Experiments — {model}", "charts": charts, "tables": tables,
            "empty": "no experiment reports yet" if not looks else ""}
