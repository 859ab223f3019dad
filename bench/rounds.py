"""Rounds of the throughput bench's drains: their order, and the numbers over them (pure).

Every variant drains the backlog ``R`` times. The rounds are interleaved — round 1 of every
variant, then round 2 in another order, and so on — so a load that drifts during the run
falls on every variant alike and none always runs first or right after the same one. A
variant's rate is the median of its rounds (with the min to max beside it); a ratio is the
ratio of two medians, flagged *unstable* when either side's rounds spread by more than
``UNSTABLE_SPREAD`` of its median.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

UNSTABLE_SPREAD = 0.20
"""(max - min) / median of a variant's rounds above which its ratios are flagged."""

RATIOS = {  # summary key: (top, bottom, label) — each a ratio of two variants' medians
    "a_over_b": ("leadstream", "passthrough_txn", "(a)/(b)"),
    "a_over_b_plain": ("leadstream", "passthrough_plain", "(a)/(b')"),
    "a_over_c": ("leadstream", "naive", "(a)/(c)"),
    "bare_over_b": ("leadstream_bare", "passthrough_txn", "(a00)/(b)"),
    "shadow_over_a": ("leadstream_shadow", "leadstream", "shadow (a+s)/(a)"),
    "reasons_over_off": ("leadstream", "leadstream_no_reasons", "reasons on/off (a)/(a0)"),
    "history_over_no_history": ("leadstream", "leadstream_no_history", "history (a)/(a-h)"),
    "sales_over_bare": ("leadstream", "leadstream_bare", "all sales features (a)/(a00)"),
}


def round_order(variants: Sequence[str], r: int) -> list[str]:
    """The order of round ``r`` (0-based): even rounds forward, odd rounds backward, and
    each pair of rounds rotated by half the list from the pair before."""
    n = len(variants)
    shift = (r // 2) * max(1, n // 2) % n if n else 0
    order = [*variants[shift:], *variants[:shift]]
    return order[::-1] if r % 2 else order


def schedule(variants: Sequence[str], rounds: int) -> list[tuple[int, str]]:
    """Every (round, variant) drain in the order they run."""
    return [(r, name) for r in range(rounds) for name in round_order(variants, r)]


def spread(rates: Sequence[float]) -> dict:
    """Median, min, max of a variant's per-round rates, and (max - min) / median."""
    if not rates:
        raise ValueError("no rounds to summarise")
    median = statistics.median(rates)
    low, high = min(rates), max(rates)
    return {"median": median, "min": low, "max": high,
            "spread": (high - low) / median if median > 0 else float("inf")}


def combine(rounds: list[dict]) -> dict:
    """One variant's drain result over its rounds (each a ``report.drain_stats`` dict):
    median leads/s with min/max and spread, the largest peak RSS, every round kept."""
    rates = spread([r["leads_per_s"] for r in rounds])
    own = [r["self_reported_leads_per_s"] for r in rounds
           if r.get("self_reported_leads_per_s") is not None]
    return {"events": rounds[0]["events"], "leads_per_s": rates["median"],
            "leads_per_s_min": rates["min"], "leads_per_s_max": rates["max"],
            "spread": rates["spread"], "drain_s": statistics.median(r["drain_s"] for r in rounds),
            "self_reported_leads_per_s": statistics.median(own) if own else None,
            "peak_rss_mb": max(r["peak_rss_mb"] for r in rounds), "rounds": rounds}


def ratio(drains: dict, top: str, bottom: str) -> float | None:
    """``top``'s median leads/s over ``bottom``'s (None if either was not run)."""
    if top not in drains or bottom not in drains:
        return None
    return drains[top]["leads_per_s"] / drains[bottom]["leads_per_s"]


def unstable(drains: dict, top: str, bottom: str, limit: float = UNSTABLE_SPREAD) -> bool:
    """Whether either side of ``top``/``bottom`` spread by more than ``limit`` over its
    rounds (a variant run once cannot show it, so it is never flagged)."""
    return any(name in drains and drains[name].get("spread", 0.0) > limit
               for name in (top, bottom))


def ratios(drains: dict) -> dict:
    """Every ratio of ``RATIOS`` (None where a side was not run) and, under ``unstable``,
    the keys of those flagged."""
    out: dict = {key: ratio(drains, top, bottom) for key, (top, bottom, _) in RATIOS.items()}
    out["unstable"] = [key for key, (top, bottom, _) in RATIOS.items()
                       if out[key] is not None and unstable(drains, top, bottom)]
    return out


def expected_seconds(drains: Sequence[tuple[int, float]], rounds: int, latency_phases: int,
                     phase_s: float, overhead_s: float = 4.0, setup_s: float = 60.0) -> float:
    """A quiet machine's duration: each round's drains (events, expected leads/s), each
    process's start and output read (``overhead_s``), the latency phases and the set-up."""
    per_round = sum(n / rate + overhead_s for n, rate in drains)
    return setup_s + rounds * per_round + latency_phases * (phase_s + overhead_s)
