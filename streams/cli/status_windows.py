"""The windows ``leadstream status`` shows: the recent closed monitor windows of each model
role/version, merged from the last window per role/version and the recent-window list
(:mod:`streams.stores.status`), flat and JSON-ready.

Per role/version the serving configuration names, the newest :data:`PER_VERSION`; for one
it no longer names (replaced), its last window only, marked ``in_service: false``; a
window with fewer scored leads than the monitors' minimum n is ``too_small``.
"""

from __future__ import annotations

from datetime import UTC, datetime

PER_VERSION = 3
"""Recent windows shown per model role/version in service (one for a replaced version)."""


def windows(reports: dict, recent: list[dict], serving: dict | None = None,
            min_n: int = 100) -> list[dict]:
    """The recent closed windows, flat and JSON-ready (stable keys): per model role/version
    in service the newest ``PER_VERSION``, for a replaced one its last; newest first."""
    found: dict[tuple[str, str, int | None], dict] = {}
    for w in recent:
        kinds = w.get("reports", {})
        end = next((r.get("window_end_ms") for r in kinds.values()), None)
        found.setdefault((w["role"], str(w["version"]), end), {}).update(kinds)
    last: dict[tuple[str, str], dict] = {}  # the last window per role/version, its kinds
    for key, r in reports.items():
        role, version, kind = key.split("|")
        last.setdefault((role, version), {})[kind] = r
    for (role, version), kinds in last.items():
        end = next((r["window_end_ms"] for r in kinds.values() if "window_end_ms" in r), None)
        merged = found.setdefault((role, version, end), {})
        for kind, r in kinds.items():
            merged.setdefault(kind, r)
    current = _serving_versions(serving)
    shown: dict[tuple[str, str], int] = {}
    out = []
    for (role, version, end), kinds in sorted(found.items(), key=_order(current)):
        in_service = current is None or (role, version) in current
        if shown.get((role, version), 0) >= (PER_VERSION if in_service else 1):
            continue
        shown[(role, version)] = shown.get((role, version), 0) + 1
        out.append(_window(role, version, end, kinds, in_service, min_n))
    return out


def _serving_versions(serving: dict | None) -> set[tuple[str, str]] | None:
    if not serving:
        return None
    named = {("champion", serving.get("champion_version")),
             ("challenger", serving.get("challenger_version"))}
    return {(role, str(v)) for role, v in named if v is not None}


def _order(current: set[tuple[str, str]] | None):
    def key(item: tuple[tuple[str, str, int | None], dict]) -> tuple:
        (role, version, end), _ = item
        replaced = current is not None and (role, version) not in current
        return (replaced, role != "champion", role, -_int(version), -(end or 0))
    return key


def _int(version: str) -> int:
    return int(version) if version.isdigit() else 0


def _window(role: str, version: str, end: int | None, kinds: dict, in_service: bool,
            min_n: int) -> dict:
    g, d, p = (kinds.get(k, {}) for k in ("guardrails", "drift", "performance"))
    n = p.get("n_scored", d.get("n"))
    return {
        "role": role, "version": version, "in_service": in_service, "window_end_ms": end,
        "window_end": None if end is None else datetime.fromtimestamp(end / 1000, UTC).isoformat(),
        "n_scored": n, "too_small": n is not None and n < min_n, "guardrails": g.get("state"),
        "breached": [x["name"] for x in g.get("guardrails", []) if x["level"] != "HEALTHY"],
        "drift": d.get("verdict"), "score_psi": (d.get("prediction") or {}).get("score_psi"),
        **{k: p.get(k) for k in ("latency_p50_ms", "latency_p95_ms", "latency_p99_ms",
                                 "error_rate", "deadletter_rate", "auc", "n_labels")},
    }
