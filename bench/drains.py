"""The throughput bench's drains: every variant over the pre-loaded backlog, ``rounds``
times, interleaved (order and statistics in :mod:`bench.rounds`).

Each drain reads the same input topic with a consumer group and output topics of its own;
Redis is flushed before every scorer drain, so each round of each variant starts from the
same (empty) state. (b) and (b') read a second topic holding the same records
``fast_repeat`` times over: at 80,000 leads/s one pass is 2.5 s, too short to measure
(bench/README.md, Run 16).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import bench_io as io
from bench import report, rounds, state_bytes
from bench.bench_config import BenchConfig, Say
from bench.children import Child
from bench.shadow import start_shadow, train_version
from streams.settings import Settings
from streams.stack import ensure_topics

LEADSTREAM = str(Path(sys.executable).with_name("leadstream"))
_BASELINES = (sys.executable, "-m", "bench.baselines")


@dataclass(frozen=True)
class Variant:
    cmd: tuple[str, ...]
    expected_per_s: float
    """Leads/s on a quiet 2-core machine (Run 16): for the expected duration only."""


VARIANTS = {
    "leadstream_bare": Variant((LEADSTREAM, "score"), 17_000),
    "leadstream_no_reasons": Variant((LEADSTREAM, "score"), 13_500),
    "leadstream": Variant((LEADSTREAM, "score"), 11_000),
    "leadstream_no_history": Variant((LEADSTREAM, "score"), 14_500),
    "passthrough_txn": Variant((*_BASELINES, "passthrough"), 80_000),
    "passthrough_plain": Variant((*_BASELINES, "passthrough", "--no-txn"), 85_000),
    "naive": Variant((*_BASELINES, "naive"), 900),
    "leadstream_shadow": Variant((LEADSTREAM, "score"), 7_000),
}
FAST = ("passthrough_txn", "passthrough_plain")


def events_of(name: str, cfg: BenchConfig) -> int:
    """The leads a variant drains per round."""
    if name == "naive":
        return cfg.naive_events
    return cfg.events * (cfg.fast_repeat if name in FAST else 1)


def expected_seconds(cfg: BenchConfig) -> float:
    """The whole run on a quiet machine, roughly (printed at the start)."""
    drains = [(events_of(n, cfg), VARIANTS[n].expected_per_s) for n in cfg.variants]
    phases = 5 if cfg.latency_s > 0 else 0
    return rounds.expected_seconds(drains, cfg.rounds, phases, cfg.warmup_s + cfg.latency_s)


def drain(name: str, cmd: list[str], s: Settings, n: int, cfg: BenchConfig, say: Say) -> dict:
    """Run one variant over the pre-loaded backlog; rates from the output's broker stamps."""
    timings = s.home / f"{name}-timings.json"
    extra = ["--timings", str(timings)] if cmd[-1] == "score" else []  # a scorer
    child = Child([*cmd, "--max-events", str(n), "--idle-exit", "30", *extra], s,
                  s.home / f"{name}.log")
    say(f"{name}: draining {n:,} leads (pid {child.proc.pid})")
    try:
        rc = child.wait(cfg.child_timeout_s, tick=io.output_ticker(s, n, say, name))
    finally:
        child.kill()
    if rc != 0:
        raise RuntimeError(f"{name} exited {rc}:\n{child.tail()}")
    stamps = [r.timestamp_ms for r in io.read_stamped(s, s.topic_scored)]
    result = report.drain_stats(stamps, n, child)
    if extra:
        result["stages"] = report.read_timings(timings)
    say(f"{name}: {result['leads_per_s']:,.0f} leads/s, peak RSS {child.peak_rss_mb:.0f} MB")
    return result


def drain_rounds(base: Settings, run_id: str, version: str, src: Settings,
                 long_src: Settings | None, records: list, cfg: BenchConfig,
                 say: Say) -> tuple[dict, dict]:
    """Every variant of ``cfg.variants``, ``cfg.rounds`` times interleaved: the combined
    result per variant (:func:`bench.rounds.combine`) and the state per lead after (a)'s
    first round."""
    names = [n for n in VARIANTS if n in cfg.variants]
    shadow = _shadow_base(base, run_id, version, cfg, say) if "leadstream_shadow" in names else base
    runs: dict[str, list[dict]] = {n: [] for n in names}
    state: dict = {}
    for r in range(cfg.rounds):
        order = rounds.round_order(names, r)
        started = time.monotonic()
        say(f"round {r + 1}/{cfg.rounds}: " + " → ".join(_short(n) for n in order))
        for position, name in enumerate(order, start=1):
            incoming = long_src if name in FAST and long_src else src
            own = shadow if name == "leadstream_shadow" else base
            s = io.fresh_topics(variant_settings(own, name),
                                f"{name.replace('_', '-')}-r{r + 1}-{run_id}",
                                incoming=incoming.topic_incoming)
            scorer = VARIANTS[name].cmd[0] == LEADSTREAM
            empty = state_bytes.flushed(s) if scorer else 0
            result = drain(name, list(VARIANTS[name].cmd), s, events_of(name, cfg), cfg, say)
            runs[name].append({**result, "round": r + 1, "position": position})
            if name == "leadstream" and not state:
                state["once"] = state_bytes.per_lead(s, empty, state_bytes.lead_ids(records))
                state_bytes.say_state(say, "scored once", state["once"])
        say(f"round {r + 1}/{cfg.rounds} done in {time.monotonic() - started:.0f} s: " + ", ".join(
            f"{_short(n)} {runs[n][-1]['leads_per_s']:,.0f}" for n in names) + " leads/s")
    return {n: rounds.combine(v) for n, v in runs.items()}, state


def _shadow_base(base: Settings, run_id: str, version: str, cfg: BenchConfig,
                 say: Say) -> Settings:
    """Settings whose ``models.control`` (a topic of their own, so that every other drain
    and the latency phases serve the champion alone) serves a challenger in shadow."""
    say("training a challenger; serving it in shadow mode for (a+s) only")
    s = base.model_copy(update={"topics": {**base.topics,
                                           "models.control": f"bench.shadow-{run_id}.control"}})
    ensure_topics(s)
    challenger = train_version(base, cfg.seed + 100, cfg.train_rows, alias="challenger")
    start_shadow(s, version, challenger)
    return s


def _short(name: str) -> str:
    return report.LABELS[name].split()[0]


def variant_settings(s: Settings, variant: str) -> Settings:
    """The settings of a variant: ``*no_reasons`` turns reasons off (``reasons_k=0``),
    ``*no_history`` the score history and trend (``history_max_entries=0``), ``*bare``
    both (the scorer before issue 9's sales features)."""
    bare = variant.endswith("bare")
    update: dict[str, int] = {}
    if bare or variant.endswith("no_reasons"):
        update["reasons_k"] = 0
    if bare or variant.endswith("no_history"):
        update["history_max_entries"] = 0
    return s.model_copy(update=update) if update else s
